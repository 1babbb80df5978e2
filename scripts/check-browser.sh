#!/usr/bin/env bash
# The browser: publishes samples/Playground (Blazor WebAssembly, no workload needed), serves it on
# localhost and drives it in headless Chromium (scripts/check_browser.py): the seed exercise's
# numbers (3.375, then 2), a learning rate typed into the page changing the loss after the step, and
# training on two moons in the page lowering the loss.
# Writes the README's screenshots (docs/images/playground.png, playground-moons.png). Not part of `dotnet test`.
# Needs Debian's chromium, chromium-driver and python3-selenium:
#   sudo apt-get install chromium chromium-driver python3-selenium
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-/usr/bin/python3}
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! "$PYTHON" -c "import selenium" 2>/dev/null; then
  echo "check-browser: needs chromium, chromedriver and Selenium: sudo apt-get install chromium chromium-driver python3-selenium" >&2
  exit 2
fi

dir=$(mktemp -d)
port=${PORT:-8765}
dotnet publish samples/Playground -c Release -o "$dir" -v quiet -nologo >/dev/null
echo "check-browser: published $(du -sh "$dir/wwwroot/_framework" | cut -f1) of _framework (with its .br and .gz copies)"
"$PYTHON" -m http.server "$port" --bind 127.0.0.1 --directory "$dir/wwwroot" >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dir"' EXIT
sleep 1
mkdir -p docs/images
"$PYTHON" scripts/check_browser.py "http://127.0.0.1:$port/" docs/images/playground.png
echo "check-browser: passed (screenshot: docs/images/playground.png)"
