"""Add/search throughput of the hnswlab Python package against the hnswlab CLI
and hnswlib's Python package, on the same clustered vectors, side by side in
each round (the order rotates between rounds).

    python python/examples/throughput.py --n 100000 --dim 128 --rounds 2

Needs the package installed (pip install ./python), hnswlib, and a release
hnswlab CLI (cargo build --release -p hnswlab-experiments), found under
target/release or named by $HNSWLAB_BIN. Prints one markdown table.
"""

import argparse
import json
import os
import pathlib
import subprocess
import tempfile
import time

import numpy as np

import hnswlab


def clustered(n, dim, seed, clusters=100):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (clusters, dim)).astype(np.float32)
    which = rng.integers(0, clusters, n)
    return (centres[which] + rng.normal(0, 0.3, (n, dim)).astype(np.float32)).astype(np.float32)


def write_fvecs(path, x):
    rows = np.empty((x.shape[0], x.shape[1] + 1), dtype=np.float32)
    rows[:, 0] = np.array([x.shape[1]], dtype=np.int32).view(np.float32)[0]
    rows[:, 1:] = x
    rows.tofile(path)


def cli():
    root = pathlib.Path(__file__).resolve().parents[2]
    return os.environ.get("HNSWLAB_BIN") or str(root / "target" / "release" / "hnswlab")


def run_python(x, q, args):
    index = hnswlab.Index(x.shape[1], m=args.m, ef_construction=args.ef_construction, seed=args.seed)
    t = time.perf_counter()
    index.add(x)
    build = time.perf_counter() - t
    index.search(q[:100], k=10, ef=args.ef)
    t = time.perf_counter()
    index.search(q, k=10, ef=args.ef)
    return build, time.perf_counter() - t


def run_hnswlib(x, q, args):
    import hnswlib

    index = hnswlib.Index(space="l2", dim=x.shape[1])
    index.init_index(max_elements=len(x), M=args.m, ef_construction=args.ef_construction, random_seed=args.seed)
    index.set_num_threads(1)
    t = time.perf_counter()
    index.add_items(x, np.arange(len(x)), num_threads=1)
    build = time.perf_counter() - t
    index.set_ef(args.ef)
    index.knn_query(q[:100], k=10, num_threads=1)
    t = time.perf_counter()
    index.knn_query(q, k=10, num_threads=1)
    return build, time.perf_counter() - t


def run_cli(base, query, nq, args):
    cmd = [cli(), "build", "--base", base, "--query", query, "--m", str(args.m),
           "--ef-construction", str(args.ef_construction), "--seed", str(args.seed),
           "--ef", str(args.ef), "--no-check-inserts", "--json"]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    return report["build_seconds"], nq / report["search"][0]["qps"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--n", type=int, default=100_000)
    p.add_argument("--dim", type=int, default=128)
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--ef-construction", type=int, default=200)
    p.add_argument("--ef", type=int, default=64)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    print(f"seed {args.seed}")
    x = clustered(args.n, args.dim, args.seed)
    q = clustered(args.queries, args.dim, args.seed + 1)
    with tempfile.TemporaryDirectory() as tmp:
        base, query = os.path.join(tmp, "base.fvecs"), os.path.join(tmp, "query.fvecs")
        write_fvecs(base, x)
        write_fvecs(query, q)
        runs = {"python": lambda: run_python(x, q, args), "cli": lambda: run_cli(base, query, len(q), args),
                "hnswlib": lambda: run_hnswlib(x, q, args)}
        names = list(runs)
        results = {name: [] for name in names}
        for r in range(args.rounds):
            for name in names[r % 3:] + names[: r % 3]:
                build, search = runs[name]()
                results[name].append((args.n / build, len(q) / search))
                print(f"round {r} {name}: {args.n / build:.0f} vectors/s, {len(q) / search:.0f} QPS", flush=True)
    print(f"\n| | vectors/s (rounds) | QPS at ef {args.ef} (rounds) |\n|---|---|---|")
    for name in names:
        b = ", ".join(f"{v:.0f}" for v, _ in results[name])
        s = ", ".join(f"{v:.0f}" for _, v in results[name])
        print(f"| {name} | {b} | {s} |")
    for other in ("cli", "hnswlib"):
        rb = [a[0] / c[0] for a, c in zip(results["python"], results[other])]
        rs = [a[1] / c[1] for a, c in zip(results["python"], results[other])]
        print(f"| python / {other}, same round | " + ", ".join(f"{v:.2f}" for v in rb) + " | "
              + ", ".join(f"{v:.2f}" for v in rs) + " |")


if __name__ == "__main__":
    main()
