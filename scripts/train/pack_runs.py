#!/usr/bin/python3
"""Pack training runs so that they fit a transfer limit (a lent GPU's): logs, metrics and configs
(and <runs>/<id>.out, a run's output, when there is one) into OUT/logs.tar.gz, each run's best.pt
into archives of at most ~15 MB (OUT/weights<k>.tar).

  pack_runs.py OUT RUNS ID...
"""
import os
import sys
import tarfile

LIMIT = 15 * 2 ** 20


def main(out, runs, ids):
    with tarfile.open(os.path.join(out, "logs.tar.gz"), "w:gz") as t:
        for id_ in ids:
            for name in ("metrics.json", "train.log", "config.json"):
                p = os.path.join(runs, id_, name)
                if os.path.exists(p):
                    t.add(p, arcname=f"{id_}/{name}")
            p = os.path.join(runs, id_ + ".out")
            if os.path.exists(p):
                t.add(p, arcname=f"{id_}/stdout.txt")
    groups, size = [[]], 0
    for id_ in ids:
        p = os.path.join(runs, id_, "best.pt")
        if not os.path.exists(p):
            continue
        if groups[-1] and size + os.path.getsize(p) > LIMIT:
            groups.append([])
            size = 0
        groups[-1].append((id_, p))
        size += os.path.getsize(p)
    for k, group in enumerate(g for g in groups if g):
        with tarfile.open(os.path.join(out, f"weights{k}.tar"), "w") as t:
            for id_, p in group:
                t.add(p, arcname=f"{id_}/best.pt")
    print("packed", sorted(f for f in os.listdir(out) if f.endswith((".tar", ".gz"))))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        sys.exit(__doc__.strip())
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
