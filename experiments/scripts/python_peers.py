#!/usr/bin/env python3
"""Measure hnswlib and faiss (IndexHNSWFlat) on the data of an `hnswlab report`
run, writing rows in the report's CSV schema (results.csv columns).

`hnswlab report` calls this for the config key `python_peers`; it writes the
base and query vectors (.fvecs) and each query's k-th true distance (.fvecs of
dimension 1, squared L2), so recall uses the same ε rule and ground truth.
Build: timed wall clock with the given thread counts. Search: each query on
its own through the Python binding, one thread, after a warm-up (the binding's
call overhead is part of the latency, as in ann-benchmarks).

`--mode batch` (for `hnswlab compare`) measures one library in this fresh
process: one build with `--threads` threads, timed, and the growth of the
resident set (/proc/self/statm resident pages times the page size) across it;
then per ef one untimed warm-up batch call and one timed batch call over all
queries on one thread (hnswlib `knn_query(queries, k, num_threads=1)`, faiss
`search` with one OpenMP thread), so the binding's per-call overhead is paid
once per sweep point, not per query. Writes one JSON object to `--json`.

`--mode graph` (for `hnswlab fidelity`) builds hnswlib once on one thread with
`--seed`, sweeps recall@k per ef in batch calls, counts self-misses (a base
vector whose k = 1 search at ef = efConstruction returns neither it nor an
identical vector), saves the index with `save_index` to `--index` (read
back by hnswlab's own hnswlib reader, `hnswlab::foreign::hnswlib`), and
writes `search` and `self_misses` as JSON to `--json`.

Exits 3, with `skip:` lines on stderr, when numpy or every requested library
is missing (pip install numpy hnswlib faiss-cpu); a missing library among
several is skipped with a `skip:` line.
"""

import argparse
import csv
import json
import os
import sys
import time

COLUMNS = (
    "run,dataset,n,dim,queries,kind,strategy,build,m,ef_construction,prune,selection,threads,repetition,seed,ef,"
    "recall_at_10,qps,latency_p50_us,latency_p95_us,latency_p99_us,distances_per_query,build_seconds,"
    "vectors_per_second,build_distances,memory_bytes,peak_rss_bytes,one_way_fraction,one_way_fraction_by_layer,"
    "unreachable,zero_in_degree,violations,error,descent_seconds,search_seconds,select_seconds,link_seconds,"
    "alloc_seconds,descent_distances,search_distances,select_distances,link_distances,distances_per_insert"
).split(",")
EPSILON = 1e-6
WARM_UP = 100


def skip(message):
    print(f"skip: {message}", file=sys.stderr)


def read_fvecs(np, path):
    raw = np.fromfile(path, dtype=np.int32)
    if raw.size == 0:
        return np.zeros((0, 0), dtype=np.float32)
    dim = int(raw[0])
    return raw.reshape(-1, dim + 1)[:, 1:].copy().view(np.float32)


def percentile(sorted_values, p):
    rank = max(1, min(len(sorted_values), -(-len(sorted_values) * p // 100)))
    return sorted_values[int(rank) - 1]


class Hnswlib:
    name = "hnswlib"

    def __init__(self, module):
        self.m = module

    def build(self, data, m, efc, threads, seed):
        index = self.m.Index(space="l2", dim=data.shape[1])
        index.init_index(max_elements=data.shape[0], ef_construction=efc, M=m, random_seed=seed)
        index.set_num_threads(threads)
        index.add_items(data, list(range(data.shape[0])))
        index.set_num_threads(1)
        self.index = index

    def prepare(self, ef):
        self.index.set_ef(ef)

    def search(self, q, k):
        labels, _ = self.index.knn_query(q, k=k)
        return labels[0]

    def search_batch(self, queries, k):
        labels, _ = self.index.knn_query(queries, k=k, num_threads=1)
        return labels.astype("int64")


class Faiss:
    name = "faiss"

    def __init__(self, module):
        self.f = module

    def build(self, data, m, efc, threads, seed):
        index = self.f.IndexHNSWFlat(data.shape[1], m)
        index.hnsw.efConstruction = efc
        self.f.omp_set_num_threads(threads)
        index.add(data)
        self.f.omp_set_num_threads(1)
        self.index = index

    def prepare(self, ef):
        self.index.hnsw.efSearch = ef

    def search(self, q, k):
        _, ids = self.index.search(q, k)
        return ids[0]

    def search_batch(self, queries, k):
        _, ids = self.index.search(queries, k)
        return ids


def rss_bytes():
    """Resident set size now (/proc/self/statm), or None where there is no /proc."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def batch_hits(np, base, queries, ids, kth, k):
    """Hits by the epsilon rule over a (queries x k) id array; -1 ids are misses."""
    ids = ids[:, :k]
    valid = ids >= 0
    d = ((base[np.where(valid, ids, 0)] - queries[:, None, :]) ** 2).sum(axis=2)
    return int(((d <= (kth * (1 + EPSILON) + EPSILON)[:, None]) & valid).sum())


def batch(np, lib, base, queries, kth, a):
    """`--mode batch`: one build, its RSS growth, then per ef one warm-up and
    `--passes` timed batch calls, keeping the fastest."""
    threads = int(a.threads)
    before = rss_bytes()
    start = time.perf_counter()
    lib.build(base, a.m, a.ef_construction, threads, a.seed)
    seconds = time.perf_counter() - start
    after = rss_bytes()
    search = []
    for ef in [int(x) for x in a.ef.split(",")]:
        lib.prepare(ef)
        lib.search_batch(queries, a.k)
        wall = None
        for _ in range(max(1, a.passes)):
            t0 = time.perf_counter()
            ids = lib.search_batch(queries, a.k)
            t = time.perf_counter() - t0
            wall = t if wall is None else min(wall, t)
        recall = batch_hits(np, base, queries, ids, kth, a.k) / (len(queries) * a.k)
        search.append({"ef": ef, "recall_at_10": recall, "qps": len(queries) / max(wall, 1e-9)})
    growth = after - before if before is not None and after is not None else None
    out = {"build_seconds": seconds, "rss_growth_bytes": growth, "memory_bytes": None, "search": search}
    with open(a.json, "w") as f:
        json.dump(out, f)
        f.write("\n")


def graph(np, lib, base, queries, kth, a):
    """`--mode graph`: one single-thread build, recall per ef, self-misses, and the graph."""
    lib.build(base, a.m, a.ef_construction, 1, a.seed)
    search = []
    for ef in [int(x) for x in a.ef.split(",")]:
        lib.prepare(ef)
        ids = lib.search_batch(queries, a.k)
        search.append({"ef": ef, "recall_at_10": batch_hits(np, base, queries, ids, kth, a.k) / (len(queries) * a.k)})
    lib.prepare(a.ef_construction)
    top = lib.search_batch(base, 1)[:, 0]
    found = (top >= 0) & (base[np.where(top >= 0, top, 0)] == base).all(axis=1)
    lib.index.save_index(a.index)
    out = {"search": search, "self_misses": int((~found).sum())}
    with open(a.json, "w") as f:
        json.dump(out, f)
        f.write("\n")


def libraries(names):
    out = []
    for name in names:
        try:
            if name == "hnswlib":
                import hnswlib

                out.append(Hnswlib(hnswlib))
            elif name == "faiss":
                import faiss

                out.append(Faiss(faiss))
            else:
                skip(f"{name}: unknown library (known: hnswlib, faiss)")
        except ImportError as e:
            skip(f"{name}: not installed ({e}); pip install {'faiss-cpu' if name == 'faiss' else name}")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--base", required=True)
    p.add_argument("--query", required=True)
    p.add_argument("--kth", required=True, help="k-th true distance per query (.fvecs, dimension 1)")
    p.add_argument("--k", type=int, default=10)
    p.add_argument("--m", type=int, required=True)
    p.add_argument("--ef-construction", type=int, required=True)
    p.add_argument("--ef", required=True, help="comma-separated search ef values")
    p.add_argument("--threads", required=True, help="comma-separated build thread counts (batch: one)")
    p.add_argument("--libs", default="hnswlib,faiss", help="comma-separated libraries (batch: one)")
    p.add_argument("--mode", choices=["csv", "batch", "graph"], default="csv")
    p.add_argument("--dataset", help="data set name for the run path (csv mode)")
    p.add_argument("--build", help="build label for the run path (csv mode)")
    p.add_argument("--prune", default="standard")
    p.add_argument("--selection", default="heuristic")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--passes", type=int, default=1, help="timed passes per ef, best kept (batch mode)")
    p.add_argument("--out", help="CSV output (csv mode)")
    p.add_argument("--json", help="JSON output (batch and graph modes)")
    p.add_argument("--index", help="where graph mode saves the hnswlib index")
    a = p.parse_args()
    needed = {"batch": ["json"], "graph": ["json", "index"]}.get(a.mode, ["dataset", "build", "out"])
    missing = [f"--{n}" for n in needed if getattr(a, n) is None]
    if missing:
        p.error(f"--mode {a.mode} needs {', '.join(missing)}")
    try:
        import numpy as np
    except ImportError:
        skip("numpy is not installed (pip install numpy hnswlib faiss-cpu)")
        sys.exit(3)
    libs = libraries([s for s in a.libs.split(",") if s])
    if not libs:
        sys.exit(3)
    base, queries = read_fvecs(np, a.base), read_fvecs(np, a.query)
    kth = read_fvecs(np, a.kth)[:, 0]
    if a.mode == "batch":
        if len(libs) != 1 or "," in a.threads:
            p.error("--mode batch measures one library at one thread count")
        batch(np, libs[0], base, queries, kth, a)
        return
    if a.mode == "graph":
        if [lib.name for lib in libs] != ["hnswlib"]:
            p.error("--mode graph reads hnswlib's graph: --libs hnswlib")
        graph(np, libs[0], base, queries, kth, a)
        return
    n, dim = base.shape
    efs = [int(x) for x in a.ef.split(",")]
    rows = []
    for lib in libs:
        for threads in [int(x) for x in a.threads.split(",")]:
            start = time.perf_counter()
            lib.build(base, a.m, a.ef_construction, threads, a.seed)
            seconds = time.perf_counter() - start
            for i in range(min(WARM_UP, len(queries))):
                lib.prepare(max(efs))
                lib.search(queries[i : i + 1], a.k)
            run = f"{a.dataset}/{lib.name}/{a.build}/t{threads}/r0"
            for ef in efs:
                lib.prepare(ef)
                latencies, hits = [], 0
                t0 = time.perf_counter()
                for i in range(len(queries)):
                    q = queries[i : i + 1]
                    s = time.perf_counter()
                    ids = lib.search(q, a.k)
                    latencies.append((time.perf_counter() - s) * 1e6)
                    ids = ids[ids >= 0]
                    d = ((base[ids] - q) ** 2).sum(axis=1)
                    hits += int((d <= kth[i] * (1 + EPSILON) + EPSILON).sum())
                wall = time.perf_counter() - t0
                latencies.sort()
                row = dict.fromkeys(COLUMNS, "")
                row.update(
                    run=run, dataset=a.dataset, n=n, dim=dim, queries=len(queries), kind="peer", strategy=lib.name,
                    build=a.build, m=a.m, ef_construction=a.ef_construction, prune=a.prune, selection=a.selection,
                    threads=threads, repetition=0, seed=a.seed, ef=ef,
                    recall_at_10=hits / (len(queries) * a.k), qps=len(queries) / max(wall, 1e-9),
                    latency_p50_us=percentile(latencies, 50), latency_p95_us=percentile(latencies, 95),
                    latency_p99_us=percentile(latencies, 99), build_seconds=seconds,
                    vectors_per_second=n / max(seconds, 1e-9), build_distances=0, memory_bytes=0, violations=0,
                )
                rows.append(row)
    with open(a.out, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


if __name__ == "__main__":
    main()
