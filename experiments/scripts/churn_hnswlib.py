#!/usr/bin/env python3
"""Run hnswlib through the churn schedule of an `hnswlab churn` run.

`hnswlab churn` writes the schedule into a private folder: `schedule.json`
(dimension, M, efConstruction, search ef, k, seed, and per round the labels to
delete, the labels to insert and to update with their vector files), the
initial vectors (labels 0..n, `.fvecs`) and the queries (`.fvecs`). This
script replays it with hnswlib's own churn path:

- round 0: `init_index(max_elements=n, allow_replace_deleted=True)` and
  `add_items` of the initial vectors;
- each later round: `mark_deleted` for every label of the round, then
  `add_items(..., replace_deleted=True)` for the new labels (each reuses a
  deleted slot: hnswlib's `replace_deleted`, which repairs the new vector's own
  neighbourhood through `updatePoint` only), then `add_items` of the updated
  labels (an existing live label goes through `updatePoint`).

Everything runs on one thread (`num_threads=1`), like hnswlab's policies.
After each round it saves the index (`save_index`) as `round-<r>.hnswlib`,
so hnswlab's own hnswlib reader and the same live census judge its graph, and
runs every query once at the schedule's ef in one timed batch call, writing the
returned labels as `found-<r>.ivecs` (k per query; -1 where hnswlib could not
return k). Recall is judged by `hnswlab churn` against its exact ground truth
over the live set: this script computes no ground truth. Per round it writes
the seconds of the round's operations and the queries per second to
`results.json` in `--out`.

Exits 3, with `skip:` lines on stderr, when numpy or hnswlib is missing
(pip install numpy hnswlib).
"""

import argparse
import json
import os
import sys
import time


def skip(message):
    print(f"skip: {message}", file=sys.stderr)


def read_fvecs(np, path):
    raw = np.fromfile(path, dtype="<i4")
    if raw.size == 0:
        return np.zeros((0, 0), dtype=np.float32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view("<f4")


def write_ivecs(np, path, rows):
    """`rows` (queries x k, int32) as .ivecs, written to a temporary name and renamed."""
    out = np.empty((rows.shape[0], rows.shape[1] + 1), dtype="<i4")
    out[:, 0] = rows.shape[1]
    out[:, 1:] = rows
    tmp = path + ".tmp"
    out.tofile(tmp)
    os.replace(tmp, path)


def search(np, index, queries, k):
    """Every query at the index's ef: one batch call, timed; per-query calls
    only when hnswlib cannot fill k results for some query (those rows are -1)."""
    t0 = time.perf_counter()
    try:
        labels, _ = index.knn_query(queries, k=k, num_threads=1)
        wall = time.perf_counter() - t0
        return labels.astype(np.int64), wall, 0
    except RuntimeError:
        pass
    rows, short = [], 0
    t0 = time.perf_counter()
    for q in queries:
        try:
            labels, _ = index.knn_query(q[None, :], k=k, num_threads=1)
            rows.append(labels[0].astype(np.int64))
        except RuntimeError:
            rows.append(np.full(k, -1, dtype=np.int64))
            short += 1
    return np.stack(rows), time.perf_counter() - t0, short


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--schedule", required=True, help="schedule.json written by hnswlab churn")
    p.add_argument("--out", required=True, help="folder for the saved indexes, found labels and results.json")
    a = p.parse_args()
    try:
        import numpy as np
    except ImportError:
        skip("numpy is not installed (pip install numpy hnswlib)")
        sys.exit(3)
    try:
        import hnswlib
    except ImportError as e:
        skip(f"hnswlib: not installed ({e}); pip install hnswlib")
        sys.exit(3)
    folder = os.path.dirname(os.path.abspath(a.schedule))
    with open(a.schedule) as f:
        s = json.load(f)
    path = lambda name: os.path.join(folder, name)
    initial = read_fvecs(np, path(s["initial"]))
    queries = read_fvecs(np, path(s["queries"]))
    n, k = initial.shape[0], int(s["k"])
    index = hnswlib.Index(space="l2", dim=int(s["dim"]))
    index.init_index(
        max_elements=n,
        ef_construction=int(s["ef_construction"]),
        M=int(s["m"]),
        random_seed=int(s["seed"]),
        allow_replace_deleted=True,
    )
    index.set_num_threads(1)
    results = []

    def finish(r, seconds):
        index.save_index(os.path.join(a.out, f"round-{r}.hnswlib"))
        index.set_ef(int(s["ef"]))
        found, wall, short = search(np, index, queries, k)
        write_ivecs(np, os.path.join(a.out, f"found-{r}.ivecs"), found.astype(np.int32))
        qps = len(queries) / max(wall, 1e-9)
        results.append({"round": r, "seconds": seconds, "qps": qps, "short_results": short})

    t0 = time.perf_counter()
    index.add_items(initial, np.arange(n, dtype=np.int64), num_threads=1)
    finish(0, time.perf_counter() - t0)
    for r, rnd in enumerate(s["rounds"], start=1):
        inserts = read_fvecs(np, path(rnd["insert"])) if rnd["insert_labels"] else None
        updates = read_fvecs(np, path(rnd["update"])) if rnd["update_labels"] else None
        t0 = time.perf_counter()
        for label in rnd["delete"]:
            index.mark_deleted(int(label))
        if inserts is not None:
            labels = np.asarray(rnd["insert_labels"], dtype=np.int64)
            index.add_items(inserts, labels, num_threads=1, replace_deleted=True)
        if updates is not None:
            labels = np.asarray(rnd["update_labels"], dtype=np.int64)
            index.add_items(updates, labels, num_threads=1)
        finish(r, time.perf_counter() - t0)
    tmp = os.path.join(a.out, "results.json.tmp")
    with open(tmp, "w") as f:
        json.dump({"rounds": results}, f)
        f.write("\n")
    os.replace(tmp, os.path.join(a.out, "results.json"))


if __name__ == "__main__":
    main()
