"""finetune.py's choices, apart from torch: which public crops to replay, and which epoch to keep."""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LEUKOCYTE  # noqa: E402
from promote import MAX_TOLERANCE, Z_ONE_SIDED_95  # noqa: E402


def pick(items, sources, split, typed_only=False, offset=0):
    return np.array([offset + i for i, m in enumerate(items) if m["source"] in sources and m["split"] == split
                     and (not typed_only or m["cls"] < LEUKOCYTE)], dtype=np.int64)


def draw_replay(items, sources, n, balance, rng):
    """n public train crops: with balance 'source', as many from each source as it can give (the rest
    spread over the others), so that a small centre is rehearsed as much as a large one."""
    pools = [pick(items, {src}, "train") for src in sources]
    pools = [p for p in pools if len(p)]
    if balance == "crop" or not pools:
        pool = np.concatenate(pools) if pools else np.zeros(0, np.int64)
        return np.sort(rng.choice(pool, size=min(n, len(pool)), replace=False)) if n and len(pool) else pool[:0]
    take = [0] * len(pools)
    left = min(n, sum(len(p) for p in pools))
    while left:
        open_ = [i for i, p in enumerate(pools) if take[i] < len(p)]
        share = max(1, left // len(open_))
        for i in open_:
            k = min(share, len(pools[i]) - take[i], left)
            take[i] += k
            left -= k
    return np.sort(np.concatenate([rng.choice(p, size=k, replace=False) for p, k in zip(pools, take)]))


def choose(start, per, public):
    """The value of weights whose per-group val results are `per`, against the start's: None when a
    public group's mean recall falls more than the promotion rule would let it (1.645 standard errors
    of the start's figure on that group's cells, at most 5 points), else the mean over the clinics'
    groups (all groups when no clinic has val cells). So the epoch kept gains for the clinics without
    giving up a public source, close to how promote.py will judge it (which also checks typed accuracy,
    with a per-type error, and each clinic on its own)."""
    for name in public:
        a, b = start.get(name), per.get(name)
        if not a or a["mean_recall5"] is None or b is None or b["mean_recall5"] is None:
            continue
        r = a["mean_recall5"]
        if b["mean_recall5"] < r - min(MAX_TOLERANCE, Z_ONE_SIDED_95 * math.sqrt(max(r * (1 - r), 1e-4) / max(1, a["n"]))):
            return None
    clinics = [v["mean_recall5"] for k, v in per.items() if k not in public and v["mean_recall5"] is not None]
    pool = clinics or [v["mean_recall5"] for v in per.values() if v["mean_recall5"] is not None]
    return sum(pool) / len(pool) if pool else 0.0
