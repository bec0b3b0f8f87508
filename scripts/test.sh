#!/usr/bin/env bash
# Install what the tests need, then run every test. This is the README's test command and what CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
if [ ! -x /usr/bin/chromium ]; then  # the browser tests drive Debian's Chromium (no browser download)
  if [ "$(id -u)" = "0" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "note: /usr/bin/chromium missing and not root: browser tests will be skipped (run: sudo apt-get install -y chromium)" >&2
  fi
fi
exec python -m pytest "$@"
