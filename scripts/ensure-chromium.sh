#!/usr/bin/env bash
# The browser tests drive Debian's Chromium through playwright-core (browsers cannot be downloaded
# here). Installs it with apt-get when it is missing; CHROMIUM_PATH points the tests at another build.
set -euo pipefail
chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$chromium" ]; then
  exit 0
fi
if [ -n "${CHROMIUM_PATH:-}" ]; then
  echo "CHROMIUM_PATH=$CHROMIUM_PATH is not an executable" >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "the browser tests need Chromium at /usr/bin/chromium (Debian: apt-get install chromium), or set CHROMIUM_PATH" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "installing Debian's chromium for the browser tests…" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
"$chromium" --version >&2
