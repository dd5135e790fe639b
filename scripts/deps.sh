#!/bin/sh
# Install the Debian packages that fluidai's build and tests need, when missing.
# Runs apt-get as root or through passwordless sudo; otherwise prints the exact
# install line and fails.  Safe to run repeatedly (does nothing when all present).
set -eu

PKGS="build-essential pkg-config libglpk-dev libnlopt-dev libjansson-dev libcriterion-dev gnuplot-nox"

missing=""
for p in $PKGS; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends$missing"
echo "deps: missing Debian packages:$missing" >&2
if [ "$(id -u)" -eq 0 ]; then
  SUDO=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  SUDO="sudo -n"
else
  echo "deps: not root and no passwordless sudo; run as root:" >&2
  echo "  apt-get update && $line" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2
echo "deps: installed:$missing" >&2
