#!/usr/bin/env bash
# Accepts every received snapshot: renames *.received.txt to *.approved.txt under tests/.
# Read the diff first (git diff after running this), then commit the approved files.
set -euo pipefail
cd "$(dirname "$0")/.."
find tests -name '*.received.txt' | while read -r received; do
  mv "$received" "${received%.received.txt}.approved.txt"
  echo "accepted ${received%.received.txt}.approved.txt"
done
