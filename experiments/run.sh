#!/usr/bin/env bash
# Reproduce a paper's figures and tables from the CLI:  experiments/run.sh NAME [ARGS]
# Each experiment is experiments/NAME.sh; it writes its CSV tables and gnuplot
# figures (PNG and SVG) under experiments/out/NAME/ and finishes in minutes on
# 2 cores at its default size.  `experiments/run.sh --list` lists them.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ $# -lt 1 ] || [ "$1" = "--list" ] || [ "$1" = "-h" ]; then
  echo "usage: experiments/run.sh NAME [ARGS]"
  echo "experiments:"
  for f in "$here"/*.sh; do
    n=$(basename "$f" .sh)
    [ "$n" = run ] && continue
    printf '  %-14s %s\n' "$n" "$(sed -n '2s/^# //p' "$f")"
  done
  [ $# -ge 1 ] && exit 0 || exit 2
fi
name=$1
shift
script="$here/$name.sh"
[ -f "$script" ] || { echo "experiments/run.sh: no experiment \"$name\" (try --list)" >&2; exit 2; }
cd "$here/.."
BIN=${BIN:-}
if [ -z "$BIN" ]; then
  scripts/deps.sh
  make --no-print-directory CUDA=0 build/cpu/fluidai >&2
  BIN=build/cpu/fluidai
fi
export BIN
out="$here/out/$name"
mkdir -p "$out"
exec bash "$script" "$out" "$@"
