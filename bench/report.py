#!/usr/bin/env python3
"""Turns bench/run.sh's raw outputs into a table (stdout) and a JSON record.

Inputs: the `fluidai orbitgen --format json` output of each full-day run
(with its thread count and wall time) and the peer's JSON.  Standard library
only, so it runs with the system python3.

Definitions (see bench/README.md):
  snapshots/s          = snapshots / stage seconds
  snapshots/s per core = snapshots / (stage seconds x threads)
  s/snapshot per core  = stage seconds x threads / snapshots
  speed-up             = stage seconds with the first thread count / with another
  ratio X / fluidai    = X's seconds per snapshot on one core / fluidai's paths
                         stage seconds per snapshot per core (first thread count)
"""
import argparse
import datetime
import json
import os
import platform
import subprocess
import sys

STAGES = ["propagate", "links", "visibility", "contacts", "paths", "total"]
REFERENCE_S = 12.6
REFERENCE_LABEL = ("Hypatia's satgenpy: ~12.6 s per snapshot on one core "
                   "(measured on this machine class, 1584 sats, 100 GS)")


def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def command_text(args):
    try:
        return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def cpu_seconds(times_line):
    """Children's user + sys seconds from bash `times` ("1m2.5s 0m0.3s")."""
    total = 0.0
    for part in times_line.split():
        m, sec = part.rstrip("s").split("m")
        total += 60 * float(m) + float(sec)
    return total


def interference(path):
    """Per timed step: wall, own CPU and other processes' CPU (seconds)."""
    tick = os.sysconf("SC_CLK_TCK")
    marks = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            name, t, stat, own = line.rstrip("\n").split("\t")
            v = [int(x) for x in stat.split()[1:]]
            # user nice system idle iowait irq softirq steal: all but idle and iowait are busy
            busy = sum(v[:3]) + sum(v[5:8]) if len(v) >= 8 else None
            marks[name] = (float(t), busy, cpu_seconds(own))
    out = {}
    for name, (t0, b0, o0) in marks.items():
        if not name.endswith("-start"):
            continue
        step = name[: -len("-start")]
        if step + "-end" not in marks:
            continue
        t1, b1, o1 = marks[step + "-end"]
        wall, own = t1 - t0, o1 - o0
        other = None if b0 is None else max(0.0, (b1 - b0) / tick - own)
        out[step] = {"wall_s": wall, "own_cpu_s": own, "other_cpu_s": other,
                     "other_share_of_machine": None if other is None else
                     other / (wall * (os.cpu_count() or 1))}
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--stations", required=True)
    ap.add_argument("--peer", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--marks", help="run.sh's CPU-time marks (TSV)")
    ap.add_argument("--runs", nargs="+", required=True, help="THREADS FILE WALL_S ...")
    a = ap.parse_args()
    if len(a.runs) % 3:
        sys.exit("report.py: --runs takes THREADS FILE WALL_S triples")

    runs = []
    for i in range(0, len(a.runs), 3):
        th, path, wall = int(a.runs[i]), a.runs[i + 1], float(a.runs[i + 2])
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        snaps = doc["counts"]["snapshots"]
        tim = doc["run"]["timings_s"]
        runs.append({
            "threads": th,
            "backend": doc["run"]["backend"],
            "counts": doc["counts"],
            "wall_s": wall,
            "timings_s": {k: tim[k] for k in STAGES},
            "snapshots_per_s": {k: snaps / tim[k] for k in STAGES},
            "snapshots_per_s_per_core": {k: snaps / (tim[k] * th) for k in STAGES},
            "pipeline_snapshots_per_s_per_core": snaps / (tim["total"] * th),
            "paths_s_per_snapshot_per_core": tim["paths"] * th / snaps,
        })
    base = runs[0]
    speedup = {f"{base['threads']}->{r['threads']}":
               {k: base["timings_s"][k] / r["timings_s"][k] for k in STAGES} for r in runs[1:]}

    with open(a.peer, encoding="utf-8") as f:
        peer = json.load(f)
    fl = base["paths_s_per_snapshot_per_core"]
    comparison = {
        "fluidai_paths_s_per_snapshot_per_core": fl,
        "fluidai_threads_used_for_ratio": base["threads"],
        "peer_s_per_snapshot": peer["seconds_per_snapshot"],
        "ratio_peer_over_fluidai": peer["seconds_per_snapshot"] / fl,
    }
    reference = {
        "label": REFERENCE_LABEL,
        "measured_in_this_run": False,
        "hypatia_satgenpy_s_per_snapshot": REFERENCE_S,
        "ratio_reference_over_fluidai": REFERENCE_S / fl,
    }
    agreement = peer.get("agreement")

    interf = interference(a.marks) if a.marks else {}
    commit = command_text(["git", "rev-parse", "--short", "HEAD"])
    dirty = command_text(["git", "status", "--porcelain", "--untracked-files=no"])
    record = {
        "format": "fluidai-bench-orbitgen",
        "date_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": {"cpu": cpu_model(), "cores": os.cpu_count(), "system": platform.platform(),
                 "interference": interf},
        "fluidai": {"bin": a.bin, "version": command_text([a.bin, "--version"]),
                    "git_commit": commit, "git_dirty": bool(dirty)},
        "workload": {"scenario": "embedded default (Starlink shell 1, one day at 60 s)",
                     "satellites": base["counts"]["satellites"],
                     "snapshots": base["counts"]["snapshots"],
                     "stations": base["counts"]["stations"], "station_file": a.stations},
        "fluidai_runs": runs,
        "speedup": speedup,
        "peer": peer,
        "comparison": comparison,
        "reference": reference,
        "agreement": agreement,
    }
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=2)
        f.write("\n")

    # --- the table ---
    w = base["counts"]
    print(f"fluidai orbitgen benchmark, {record['date_utc']}")
    print(f"  host      {record['host']['cpu']}, {record['host']['cores']} cores; "
          f"{record['fluidai']['version']} ({base['backend']}), commit {commit or '?'}"
          f"{' (dirty)' if dirty else ''}")
    print(f"  workload  {w['satellites']} satellites x {w['snapshots']} snapshots, "
          f"{w['stations']} stations, {w['candidate_isls']} candidate ISLs")
    print()
    head = f"  {'stage':<11}"
    for r in runs:
        head += f" | {'t=' + str(r['threads']) + ' s':>9} {'snap/s':>9} {'/core':>9}"
    for key in speedup:
        head += f" | {'x ' + key:>8}"
    print(head)
    print("  " + "-" * (len(head) - 2))
    for k in STAGES:
        line = f"  {k:<11}"
        for r in runs:
            line += (f" | {r['timings_s'][k]:9.3f} {r['snapshots_per_s'][k]:9.1f} "
                     f"{r['snapshots_per_s_per_core'][k]:9.1f}")
        for key in speedup:
            line += f" | {speedup[key][k]:8.2f}"
        print(line)
    print()
    for r in runs:
        print(f"  threads={r['threads']}: whole pipeline "
              f"{r['pipeline_snapshots_per_s_per_core']:.1f} snapshots/s per core; paths "
              f"(forwarding state from {w['stations']} stations) "
              f"{r['paths_s_per_snapshot_per_core'] * 1e3:.2f} ms per snapshot per core; "
              f"wall {r['wall_s']:.1f} s")
    print()
    ph = peer["phases_s_per_snapshot"]
    print(f"  peer (Hypatia-style, measured in this run, one core, {peer['snapshots']} snapshots): "
          f"{peer['seconds_per_snapshot']:.2f} s per snapshot")
    print("    of which " + ", ".join(f"{k} {v:.3f} s" for k, v in ph.items()))
    print(f"    ratio peer / fluidai (per snapshot per core, fluidai threads={base['threads']}): "
          f"{comparison['ratio_peer_over_fluidai']:.0f}x")
    print(f"  REFERENCE FIGURE (from the issue, not measured in this run): {REFERENCE_LABEL}")
    print(f"    ratio reference / fluidai (per snapshot per core): "
          f"{reference['ratio_reference_over_fluidai']:.0f}x")
    print()
    busy = {k: v for k, v in interf.items()
            if v["other_share_of_machine"] is not None and v["other_share_of_machine"] > 0.05}
    if interf:
        print("  other processes' CPU during the timed steps: " + ", ".join(
            f"{k} {v['other_cpu_s']:.1f} s "
            f"({100 * v['other_share_of_machine']:.0f} % of the machine)"
            for k, v in interf.items() if v["other_cpu_s"] is not None))
    if busy:
        print("  WARNING: the machine was busy with other work during " + ", ".join(busy) +
              "; those figures are slower than this machine can do; rerun when it is idle")
    print()
    if agreement:
        verdict = "OK" if agreement["ok"] else "FAILED"
        print(f"  agreement (one snapshot, {agreement['pairs_compared']} station pairs): "
              f"max relative delay difference {agreement['max_rel_diff']:.2e} "
              f"(limit {agreement['fail_above']:g}; {agreement['pairs_above_1e-9']} pairs above "
              f"1e-9), {agreement['reachability_mismatches']} reachability mismatches: {verdict}")


if __name__ == "__main__":
    main()
