#!/usr/bin/env bash
# Accepts every received snapshot: renames *.received.<ext> to *.approved.<ext> under tests/.
# Read the diff first (git diff after running this), then commit the approved files.
set -euo pipefail
cd "$(dirname "$0")/.."
find tests -name '*.received.*' -not -path '*/bin/*' -not -path '*/obj/*' | while read -r received; do
  approved="${received/.received./.approved.}"
  mv "$received" "$approved"
  echo "accepted $approved"
done
