"""Peer side of bench/sgp4.sh: python-sgp4's SatrecArray on the same satellites.

    sgp4_peer.py TLE_FILE LINES_TXT TEME_BIN T STEP_S REPS

LINES_TXT (from sgp4_bench --lines): the reference epoch (UTC unix seconds)
on the first line, then the source line of TLE line 1 of each satellite
fluidai propagated, in its order.  TEME_BIN: fluidai's TEME positions (km,
float64, [T][n][3]).  Times the SatrecArray.sgp4(jd, fr) call over the T
epochs STEP_S apart from the reference epoch (best of REPS; the package's
loop is single-threaded) and compares the positions.  Prints one JSON object.
"""
import json
import sys
import time

import numpy as np
from sgp4.api import SatrecArray, Satrec, accelerated


def main():
    tle_file, lines_txt, teme_bin = sys.argv[1:4]
    T, step_s, reps = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6])
    with open(tle_file) as f:
        text = f.read().split("\n")
    with open(lines_txt) as f:
        rows = f.read().split()
    ref_unix = float(rows[0])
    sats = []
    for r in rows[1:]:
        k = int(r) - 1  # 1-based line of TLE line 1
        sats.append(Satrec.twoline2rv(text[k].rstrip(), text[k + 1].rstrip()))
    n = len(sats)
    arr = SatrecArray(sats)

    # Times as the Julian date's whole day and fraction, as fluidai forms
    # them (fai_sgp4_epoch_offset_min), so neither side rounds a unix time.
    day = np.floor(ref_unix / 86400.0)
    jd0 = 2440587.5 + day
    fr0 = (ref_unix - day * 86400.0) / 86400.0
    t_s = np.arange(T) * step_s
    jd = np.full(T, jd0)
    fr = fr0 + t_s / 86400.0

    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        e, r, v = arr.sgp4(jd, fr)
        best = min(best, time.perf_counter() - t0)

    ours = np.fromfile(teme_bin, dtype=np.float64).reshape(T, n, 3).transpose(1, 0, 2)
    ok = (e == 0) & np.all(np.isfinite(ours), axis=2)
    diff = np.abs(ours - r)[ok]
    out = {
        "accelerated": bool(accelerated),
        "n_sats": n,
        "n_snaps": T,
        "seconds": best,
        "sat_epochs_per_s": n * T / best,
        "compared_states": int(ok.sum()),
        "peer_error_states": int((e != 0).sum()),
        "error_mismatch_states": int(((e != 0) != ~np.all(np.isfinite(ours), axis=2)).sum()),
        "max_abs_diff_km": float(diff.max()) if diff.size else None,
        "max_norm_diff_km": float(np.sqrt((np.abs(ours - r) ** 2).sum(axis=2))[ok].max())
        if diff.size else None,
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
