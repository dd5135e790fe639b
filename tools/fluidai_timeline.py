#!/usr/bin/env python3
"""Read a fluidai binary timeline (timeline.bin) into numpy arrays.

    from fluidai_timeline import load
    tl = load("out/default/timeline.bin")          # memory-mapped, nothing copied
    tl["pos_ecef_m"].shape                           # (T, N, 3)
    alive = tl["link_alive"].astype(bool)            # (T, L)
    vis = tl["station_vis"]                          # (T, G, W) uint32 words
    seen = (vis[t, g, j // 32] >> (j % 32)) & 1      # satellite j visible from station g?

Layout: 8-byte magic b"FAITLB01", uint64 little-endian header length H, H bytes of
JSON describing each array (name, dtype, shape, offset, bytes, sha256), arrays at
their offsets in C order.  `python3 fluidai_timeline.py FILE [--verify]` prints the
header summary (and checks every SHA-256 with --verify).
"""
import hashlib
import json
import struct
import sys

import numpy as np

MAGIC = b"FAITLB01"


def header(path):
    with open(path, "rb") as f:
        if f.read(8) != MAGIC:
            raise ValueError(f"{path}: not a fluidai binary timeline")
        (hlen,) = struct.unpack("<Q", f.read(8))
        return json.loads(f.read(hlen).decode("utf-8"))


def load(path, verify=False):
    """Dict of array name -> read-only numpy memmap (plus '_header')."""
    h = header(path)
    out = {"_header": h}
    for a in h["arrays"]:
        count = int(np.prod(a["shape"])) if a["shape"] else 0
        arr = np.memmap(path, dtype=np.dtype(a["dtype"]), mode="r", offset=a["offset"],
                        shape=tuple(a["shape"])) if count else np.zeros(a["shape"], a["dtype"])
        if verify and hashlib.sha256(np.asarray(arr).tobytes()).hexdigest() != a["sha256"]:
            raise ValueError(f"{path}: array {a['name']} fails its checksum")
        out[a["name"]] = arr
    return out


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    tl = load(sys.argv[1], verify="--verify" in sys.argv)
    h = tl["_header"]
    print(f"{h['satellites']} satellites, {h['snapshots']} snapshots, {h['stations']} stations, "
          f"{h['links']} candidate links")
    for a in h["arrays"]:
        print(f"  {a['name']:14s} {a['dtype']:4s} {tuple(a['shape'])}")
    if "--verify" in sys.argv:
        print("checksums ok")
