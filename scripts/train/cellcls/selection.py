"""finetune.py's choices, apart from torch: which public crops to replay, and which epoch to keep."""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import LEUKOCYTE  # noqa: E402
from promote import judge_split, mean_recall5  # noqa: E402


def pick(items, sources, split, typed_only=False, offset=0):
    return np.array([offset + i for i, m in enumerate(items) if m["source"] in sources and m["split"] == split
                     and (not typed_only or m["cls"] < LEUKOCYTE)], dtype=np.int64)


def replayed(sel, n_pub):
    """Which of the drawn indices are public (replayed) crops: the public cache comes first, the exports after it."""
    return sel < n_pub


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


def choose(start, per):
    """The value of weights whose per-group val results are `per` (evaluate.py's form, measure.py),
    against the start's: None when any group falls beyond what promote.py's rule lets a split fall
    (typed accuracy or mean recall over the five types, each by its own tolerance), else the mean
    recall over the five types averaged over the clinics' groups (`clinic-*`; all groups when no
    clinic has val cells). So the epoch kept gains for the clinics by the rule the candidate will
    be promoted by, here on the val splits."""
    for name, before in start.items():
        if not judge_split(name, before, per.get(name))["ok"]:
            return None
    clinics = [mean_recall5(v) for k, v in per.items() if k.startswith("clinic-")]
    pool = [v for v in clinics if v is not None] or [v for v in map(mean_recall5, per.values()) if v is not None]
    return sum(pool) / len(pool) if pool else 0.0
