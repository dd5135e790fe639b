#!/usr/bin/env python3
"""Hypatia-style peer for fluidai's paths stage (benchmark only).

Hypatia's satgenpy builds, per snapshot, the forwarding state for "shortest
path without ground-station relaying" like this: a networkx graph of the
satellites with ISL edges weighted by length, all-pairs satellite distances
from networkx.floyd_warshall_numpy, the satellites each ground station sees,
and then Python loops that pick, for every (current satellite, destination
station), the destination satellite minimising satellite distance + ground
link length and the neighbour (or the ground link itself) on a shortest route
to it, and for every (source station, destination station) the first-hop
satellite.  This file does the same steps in its own code, on the snapshots
that `fluidai orbitgen -o DIR` wrote, so the two can be timed on identical
input.  It is a yardstick, not a reimplementation of Hypatia.

Only the per-snapshot computation is timed (graph, visibility, Floyd-Warshall,
forwarding loops); reading the CSV files is not.  Station ECEF positions are
static and computed once, as Hypatia does when it reads its station list.

With --verify-dir DIR1 (a one-snapshot `fluidai orbitgen --duration 0 -o`
run) it also compares its station-to-station path delays (distance / c) with
DIR1/timeline.json station_pairs[].mean_delay_s, which for one snapshot is
that snapshot's delay.

Prints one JSON object on stdout.  Exit status: 0 ok, 2 bad input, 3 the
agreement check failed (max relative difference above --fail-above).
"""
import argparse
import csv
import json
import math
import os
import sys
import time

import networkx as nx
import numpy as np

C_M_S = 299792458.0  # speed of light (m/s), as fluidai's FAI_C_M_S
WGS84_A_M = 6378137.0  # equatorial radius (m)
WGS84_F = 1.0 / 298.257223563  # flattening
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)  # first eccentricity squared


def die(msg):
    print(f"peer_hypatia_style: error: {msg}", file=sys.stderr)
    sys.exit(2)


# --- input (not timed) ---------------------------------------------------------


def read_stations(path):
    """Stations as (name, ecef[3], up[3], sin_mask); geodetic on WGS-84."""
    out = []
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            lat = math.radians(float(row["latitude_deg"]))
            lon = math.radians(float(row["longitude_deg"]))
            alt = float(row.get("altitude_m") or 0.0)
            mask = math.radians(float(row.get("min_elevation_deg") or 25.0))
            sl, cl = math.sin(lat), math.cos(lat)
            n = WGS84_A_M / math.sqrt(1.0 - WGS84_E2 * sl * sl)  # prime-vertical radius
            ecef = ((n + alt) * cl * math.cos(lon), (n + alt) * cl * math.sin(lon),
                    (n * (1.0 - WGS84_E2) + alt) * sl)
            up = (cl * math.cos(lon), cl * math.sin(lon), sl)  # ellipsoid normal
            out.append((row["name"], ecef, up, math.sin(mask)))
    return out


def read_snapshots(directory, limit):
    """The first `limit` snapshots: [(t_s, positions[N] of (x,y,z), isls[(a,b,d_m)])]."""
    n_sats = 0
    with open(os.path.join(directory, "satellites.csv"), newline="") as f:
        n_sats = sum(1 for _ in csv.DictReader(f))
    times, pos = [], {}
    with open(os.path.join(directory, "positions.csv"), newline="") as f:
        for row in csv.DictReader(f):
            t = float(row["t_s"])
            if t not in pos:
                if len(times) == limit:
                    break
                times.append(t)
                pos[t] = [None] * n_sats
            pos[t][int(row["sat"])] = (float(row["x_m"]), float(row["y_m"]), float(row["z_m"]))
    isls = {t: [] for t in times}
    with open(os.path.join(directory, "isls.csv"), newline="") as f:
        for row in csv.DictReader(f):
            t = float(row["t_s"])
            if t in isls:
                isls[t].append((int(row["a"]), int(row["b"]), float(row["distance_m"])))
            elif t > times[-1]:
                break
    for t in times:
        if any(p is None for p in pos[t]):
            die(f"{directory}/positions.csv: snapshot t_s={t} lacks some satellites")
    return n_sats, [(t, pos[t], isls[t]) for t in times]


# --- one snapshot (timed) --------------------------------------------------------


def forwarding_state(n_sats, positions, isls, stations):
    """Forwarding state of one snapshot, Hypatia's way; returns (result, seconds by phase)."""
    tick = time.perf_counter()
    graph = nx.Graph()
    graph.add_nodes_from(range(n_sats))
    for a, b, d in isls:
        graph.add_edge(a, b, weight=d)
    t_graph = time.perf_counter() - tick

    # Ground links: satellite j is usable from station g when its elevation is
    # at or above the mask, sin(el) = up . (r - site) / |r - site|.
    tick = time.perf_counter()
    gsl = []  # per station: [(sat, length_m)]
    for _name, site, up, sin_mask in stations:
        seen = []
        for j in range(n_sats):
            r = positions[j]
            dx, dy, dz = r[0] - site[0], r[1] - site[1], r[2] - site[2]
            d = math.sqrt(dx * dx + dy * dy + dz * dz)
            if up[0] * dx + up[1] * dy + up[2] * dz >= sin_mask * d:
                seen.append((j, d))
        gsl.append(seen)
    t_vis = time.perf_counter() - tick

    tick = time.perf_counter()
    dist = nx.floyd_warshall_numpy(graph, nodelist=list(range(n_sats)), weight="weight")
    t_fw = time.perf_counter() - tick

    # Satellite -> destination station: the best destination satellite, then
    # the next hop toward it (node n_sats + g means "down the ground link").
    tick = time.perf_counter()
    n_gs = len(stations)
    inf = math.inf
    sat_to_gs = [[inf] * n_gs for _ in range(n_sats)]  # metres
    next_hop = [[-1] * n_gs for _ in range(n_sats)]
    for cur in range(n_sats):
        neighbours = [(nb, attr["weight"]) for nb, attr in graph.adj[cur].items()]
        for g in range(n_gs):
            best, best_sat = inf, -1
            for s, length in gsl[g]:
                v = dist[cur, s] + length
                if v < best:
                    best, best_sat = v, s
            sat_to_gs[cur][g] = best
            if best_sat < 0:
                continue
            if best_sat == cur:
                next_hop[cur][g] = n_sats + g
                continue
            hop, hop_d = -1, inf
            for nb, w in neighbours:
                v = w + dist[nb, best_sat]
                if v < hop_d:
                    hop, hop_d = nb, v
            next_hop[cur][g] = hop
    # Source station -> destination station: the first-hop satellite.
    gs_first = [[-1] * n_gs for _ in range(n_gs)]
    gs_dist = [[inf] * n_gs for _ in range(n_gs)]  # metres
    for src in range(n_gs):
        for dst in range(n_gs):
            if src == dst:
                continue
            best, first = inf, -1
            for s, length in gsl[src]:
                v = length + sat_to_gs[s][dst]
                if v < best:
                    best, first = v, s
            gs_first[src][dst] = first
            gs_dist[src][dst] = best
    t_fwd = time.perf_counter() - tick

    phases = {"graph": t_graph, "visibility": t_vis, "floyd_warshall": t_fw,
              "forwarding": t_fwd}
    return {"next_hop": next_hop, "gs_first": gs_first, "gs_dist_m": gs_dist}, phases


# --- agreement with fluidai --------------------------------------------------------


def verify(directory, tol_report):
    """Max relative difference of station-pair delays against timeline.json."""
    with open(os.path.join(directory, "timeline.json"), encoding="utf-8") as f:
        tl = json.load(f)
    if tl["counts"]["snapshots"] != 1:
        die(f"{directory}/timeline.json has {tl['counts']['snapshots']} snapshots; "
            "--verify-dir needs a one-snapshot run (--duration 0)")
    stations = read_stations(os.path.join(directory, "stations.csv"))
    n_sats, snaps = read_snapshots(directory, 1)
    _t, positions, isls = snaps[0]
    res, _ = forwarding_state(n_sats, positions, isls, stations)
    worst, worst_pair, compared, reach_mismatch, above = 0.0, None, 0, 0, 0
    for p in tl["station_pairs"]:
        a, b = p["a"], p["b"]
        ref = p.get("mean_delay_s")  # absent or null when unreachable
        mine = res["gs_dist_m"][a][b] / C_M_S
        if ref is None or not math.isfinite(mine):
            if (ref is None) != (not math.isfinite(mine)):
                reach_mismatch += 1
            continue
        rel = abs(mine - ref) / ref if ref > 0 else abs(mine - ref)
        compared += 1
        if rel > tol_report:
            above += 1
        if rel > worst:
            worst, worst_pair = rel, (a, b, ref, mine)
    out = {"pairs_compared": compared, "reachability_mismatches": reach_mismatch,
           "max_rel_diff": worst, "pairs_above_1e-9": above}
    if worst_pair:
        out["worst_pair"] = {"a": worst_pair[0], "b": worst_pair[1],
                             "fluidai_delay_s": worst_pair[2], "peer_delay_s": worst_pair[3]}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", required=True, help="a `fluidai orbitgen -o` directory")
    ap.add_argument("--snapshots", type=int, default=3, help="how many snapshots to time")
    ap.add_argument("--verify-dir", help="a one-snapshot `fluidai orbitgen -o` directory")
    ap.add_argument("--fail-above", type=float, default=1e-6,
                    help="max relative delay difference before exit status 3")
    args = ap.parse_args()
    if args.snapshots < 1:
        die("--snapshots must be >= 1")

    stations = read_stations(os.path.join(args.dir, "stations.csv"))
    n_sats, snaps = read_snapshots(args.dir, args.snapshots)
    if len(snaps) < args.snapshots:
        die(f"{args.dir} holds {len(snaps)} snapshots; asked to time {args.snapshots}")

    per_snap, phase_sum = [], {}
    for _t, positions, isls in snaps:
        tick = time.perf_counter()
        _res, phases = forwarding_state(n_sats, positions, isls, stations)
        per_snap.append(time.perf_counter() - tick)
        for k, v in phases.items():
            phase_sum[k] = phase_sum.get(k, 0.0) + v

    out = {
        "peer": "hypatia-style (networkx.floyd_warshall_numpy + Python forwarding loops)",
        "satellites": n_sats,
        "stations": len(stations),
        "snapshots": len(snaps),
        "t_s": [s[0] for s in snaps],
        "seconds_per_snapshot": sum(per_snap) / len(per_snap),
        "per_snapshot_s": per_snap,
        "phases_s_per_snapshot": {k: v / len(snaps) for k, v in phase_sum.items()},
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "networkx": nx.__version__},
    }
    code = 0
    if args.verify_dir:
        ver = verify(args.verify_dir, 1e-9)
        ver["fail_above"] = args.fail_above
        ver["ok"] = (ver["max_rel_diff"] <= args.fail_above and
                     ver["reachability_mismatches"] == 0 and ver["pairs_compared"] > 0)
        out["agreement"] = ver
        if not ver["ok"]:
            print("peer_hypatia_style: AGREEMENT FAILED: max relative delay difference "
                  f"{ver['max_rel_diff']:.3e} (limit {args.fail_above:g}), "
                  f"{ver['reachability_mismatches']} reachability mismatch(es), "
                  f"{ver['pairs_compared']} pairs compared", file=sys.stderr)
            code = 3
    json.dump(out, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return code


if __name__ == "__main__":
    sys.exit(main())
