#!/usr/bin/env bash
# Builds the API reference site: docfx (a local dotnet tool, dotnet-tools.json) reads the XML docs
# of SkipNet and SkipNet.Onnx and docs/*.md, and writes docs/_site. With Chromium installed
# (Debian: apt-get install chromium), it also renders a few pages headless into docs/_site/shots/
# and fails if a page does not render. Not part of `dotnet test`.
#   scripts/build-docs.sh [--serve]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore >/dev/null
dotnet docfx docs/docfx.json --warningsAsErrors false
site=docs/_site
for page in index.html diagnostics.html api/SkipNet.html api/SkipNet.NetworkWeights.html api/SkipNet.Onnx.OnnxExport.html; do
  test -s "$site/$page" || { echo "build-docs: $site/$page is missing" >&2; exit 1; }
done
# Every diagnostic keeps its anchor (#skip001 …), the one its help link names.
for id in $(grep -oE '^## SKIP[0-9]{3}' docs/diagnostics.md | cut -c4- | tr 'A-Z' 'a-z'); do
  grep -q "id=\"$id\"" "$site/diagnostics.html" || { echo "build-docs: diagnostics.html has no #$id" >&2; exit 1; }
done

browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$browser" ]; then
  mkdir -p "$site/shots"
  for page in index diagnostics api/SkipNet.NetworkWeights; do
    shot="$site/shots/$(basename "$page").png"
    "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1600 \
      --screenshot="$shot" "file://$PWD/$site/$page.html" >/dev/null 2>&1
    size=$(stat -c %s "$shot" 2>/dev/null || echo 0)
    [ "$size" -gt 20000 ] || { echo "build-docs: $page did not render ($shot, $size bytes)" >&2; exit 1; }
    echo "rendered $page → $shot ($size bytes)"
  done
else
  echo "build-docs: no Chromium; pages built but not rendered (apt-get install chromium)"
fi

if [ "${1:-}" = "--serve" ]; then
  dotnet docfx serve "$site"
fi
echo "build-docs: $site"
