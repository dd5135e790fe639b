#!/usr/bin/env bash
# Benchmark of `fluidai orbitgen` against a Hypatia-style peer; see bench/README.md.
#
#   bench/run.sh [BIN]        BIN defaults to build/cpu/fluidai (built with `make CUDA=0`
#                             when missing); `make bench` passes $(BIN)
#
# Environment knobs (defaults in brackets):
#   PEER_SNAPSHOTS [3]   snapshots the peer times (15-25 s each on one core)
#   BENCH_THREADS  [1 2] thread counts for the full-day fluidai runs; the first is
#                        the per-core baseline, speed-ups are relative to it
#
# Prints a table on stdout and writes bench/results/orbitgen-<date>.json.
# Exit status: 0 ok, 1 a step failed, 3 the peer and fluidai disagree on delays.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

BIN=${1:-build/cpu/fluidai}
PEER_SNAPSHOTS=${PEER_SNAPSHOTS:-3}
read -r -a THREADS <<<"${BENCH_THREADS:-1 2}"
STEP_S=60 # the default scenario's snapshot spacing; the peer run covers PEER_SNAPSHOTS of them

log() { printf 'bench: %s\n' "$*" >&2; }

if [[ ! -x "$BIN" ]]; then
  log "$BIN missing; building with make CUDA=0"
  make CUDA=0 >&2
  [[ -x "$BIN" ]] || { log "error: $BIN still missing after make CUDA=0"; exit 1; }
fi

# Python environment for the peer (git-ignored; PyPI only, benchmark only).
venv="$here/.venv"
if ! "$venv/bin/python" -c 'import numpy, scipy, networkx' >/dev/null 2>&1; then
  log "creating $venv with numpy, scipy, networkx"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check numpy scipy networkx >&2
fi

# (a) the first 100 Starlink gateway sites, 25 degree mask, sea level.
mkdir -p "$here/data" "$here/results"
stations="$here/data/gateways-100.csv"
python3 - "$root/data/ground-stations/starlink-gateways.csv" "$stations" <<'PY'
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))[:100]
if len(rows) < 100:
    sys.exit(f"{sys.argv[1]}: only {len(rows)} rows; need 100")
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["name", "latitude_deg", "longitude_deg", "altitude_m", "min_elevation_deg"])
    for r in rows:
        w.writerow([r["name"], r["latitude_deg"], r["longitude_deg"], 0, 25])
PY

tmp=$(mktemp -d "${TMPDIR:-/tmp}/fluidai-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# Runs fluidai orbitgen with the 100 stations; $1 = stdout file, rest = extra options.
orbitgen() {
  local out=$1
  shift
  if ! "$BIN" orbitgen --format json --progress=none --stations "$stations" "$@" \
    >"$out" 2>"$out.err"; then
    log "error: $BIN orbitgen $* failed:"
    cat "$out.err" >&2
    exit 1
  fi
}

# Other work on the machine skews every figure.  `mark NAME` records the
# machine's busy CPU time (/proc/stat) and this script's children's CPU time
# (`times`), so report.py can say how much CPU other processes took during
# each timed step.
marks="$tmp/marks.tsv"
: >"$marks"
mark() {
  local stat own
  stat=$(head -n 1 /proc/stat 2>/dev/null || echo cpu)
  times >"$tmp/times.txt" # not in $(...): a subshell would report its own, zero, times
  own=$(tail -n 1 "$tmp/times.txt")
  printf '%s\t%s\t%s\t%s\n' "$1" "$(now)" "$stat" "$own" >>"$marks"
}

# (b) the full default day, once per thread count.
runs=()
for th in "${THREADS[@]}"; do
  log "full day, 1584 sats x 1441 snapshots, 100 stations, --threads $th"
  mark "fluidai-t$th-start"
  t0=$(now)
  orbitgen "$tmp/day-t$th.json" --threads "$th"
  t1=$(now)
  mark "fluidai-t$th-end"
  runs+=("$th" "$tmp/day-t$th.json" "$(python3 -c "print($t1 - $t0)")")
done

# (c) the peer on the same shell and stations: a short timeline for timing, a
# one-snapshot timeline for the agreement check.
short_s=$(((PEER_SNAPSHOTS - 1) * STEP_S))
log "timeline of $PEER_SNAPSHOTS snapshots for the peer (--duration $short_s)"
orbitgen "$tmp/short.json" --threads 1 --duration "$short_s" -o "$tmp/short"
log "one-snapshot timeline for the agreement check (--duration 0)"
orbitgen "$tmp/one.json" --threads 1 --duration 0 -o "$tmp/one"

log "peer: $PEER_SNAPSHOTS snapshot(s) + 1 for agreement, one core"
peer_rc=0
mark peer-start
OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$venv/bin/python" "$here/peer_hypatia_style.py" --dir "$tmp/short" \
  --snapshots "$PEER_SNAPSHOTS" --verify-dir "$tmp/one" --fail-above 1e-6 \
  >"$tmp/peer.json" || peer_rc=$?
mark peer-end
if [[ $peer_rc -ne 0 && $peer_rc -ne 3 ]]; then
  log "error: the peer failed (exit $peer_rc)"
  exit 1
fi

result="$here/results/orbitgen-$(date -u +%Y-%m-%d).json"
python3 "$here/report.py" --bin "$BIN" --stations "$stations" --peer "$tmp/peer.json" \
  --out "$result" --marks "$marks" --runs "${runs[@]}"
log "results written to ${result#"$root"/}"

if [[ $peer_rc -eq 3 ]]; then
  log "FAILED: the peer's station-to-station delays disagree with fluidai's (see above)"
  exit 3
fi
