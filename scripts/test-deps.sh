#!/usr/bin/env bash
# What the tests need besides npm packages: Debian's chromium for the browser test (never a browser a
# test tool downloads), Debian's PostgreSQL server for the database backends' tests, and a font with
# Chinese plus a Latin one for the PNG flowcharts. Installs whichever this machine lacks, with apt-get (as root, or through sudo); does nothing when all are there.
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -f /usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf ] || need+=(fonts-droid-fallback)
[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || need+=(fonts-liberation)
# The PostgreSQL backends' tests run against a throwaway cluster of Debian's server (scripts/pg-cluster.sh).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
[ "${#need[@]}" -eq 0 ] && exit 0
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "The tests need ${need[*]} (Debian packages); install them, as root: apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
echo "== apt-get install ${need[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}"
