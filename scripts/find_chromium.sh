#!/bin/sh
# Print the path of a Chromium for the browser tests, in the order CONTRACT.md gives:
# $CHROMIUM, then chromium / chromium-browser / google-chrome on PATH,
# else let Playwright download its own (prints nothing: Playwright then uses its default).
if [ -n "${CHROMIUM:-}" ] && [ -x "$CHROMIUM" ]; then echo "$CHROMIUM"; exit 0; fi
for name in chromium chromium-browser google-chrome; do
  path=$(command -v "$name" 2>/dev/null) && { echo "$path"; exit 0; }
done
echo "no Chromium found on PATH: python -m playwright install chromium" >&2
"${PYTHON:-python3}" -m playwright install chromium >&2
