"""Write small hnswlib and faiss HNSW index files for `hnswlab check`.

    python foreign_index.py OUT_DIR --n N --dim D --m M --ef-construction EFC --seed S
        [--space l2|ip|cosine] [--only hnswlib|faiss] [--fvecs FILE]

Writes OUT_DIR/hnswlib.bin (hnswlib 0.8 `save_index`, single thread, labels
0..n-1 + 1000 so labels differ from ids) and OUT_DIR/faiss.index
(`faiss.write_index` of an IndexHNSWFlat), both over the same uniform [0, 1)
vectors drawn from numpy's PCG64 with the seed. `--fvecs FILE` also writes
the vectors as texmex .fvecs. Exit code 2 (and a note on stderr) when a
package is missing, so callers can skip.
"""

import argparse
import os
import sys

try:
    import numpy as np
except ImportError:
    print("note: numpy is not installed", file=sys.stderr)
    sys.exit(2)


def vectors(n, dim, seed):
    return np.random.default_rng(seed).random((n, dim), dtype=np.float32)


def write_fvecs(path, x):
    # texmex: each row is its i32 dimension, then the floats.
    dims = np.full((x.shape[0], 1), x.shape[1], dtype=np.int32).view(np.float32)
    np.hstack([dims, x]).astype(np.float32).tofile(path)


def hnswlib_index(x, out, m, efc, seed, space):
    import hnswlib

    idx = hnswlib.Index(space=space, dim=x.shape[1])
    idx.init_index(max_elements=x.shape[0], M=m, ef_construction=efc, random_seed=seed)
    idx.set_num_threads(1)
    idx.add_items(x, np.arange(x.shape[0]) + 1000)
    idx.save_index(out)


def faiss_index(x, out, m, efc, space):
    import faiss

    metric = faiss.METRIC_INNER_PRODUCT if space == "ip" else faiss.METRIC_L2
    faiss.omp_set_num_threads(1)
    idx = faiss.IndexHNSWFlat(x.shape[1], m, metric)
    idx.hnsw.efConstruction = efc
    idx.add(x)
    faiss.write_index(idx, out)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--n", type=int, default=300)
    p.add_argument("--dim", type=int, default=8)
    p.add_argument("--m", type=int, default=8)
    p.add_argument("--ef-construction", type=int, default=100)
    p.add_argument("--seed", type=int, default=100)
    p.add_argument("--space", default="l2", choices=["l2", "ip", "cosine"])
    p.add_argument("--only", choices=["hnswlib", "faiss"])
    p.add_argument("--fvecs")
    a = p.parse_args()
    x = vectors(a.n, a.dim, a.seed)
    os.makedirs(a.out, exist_ok=True)
    if a.fvecs:
        write_fvecs(a.fvecs, x)
    missing = []
    if a.only in (None, "hnswlib"):
        try:
            hnswlib_index(x, os.path.join(a.out, "hnswlib.bin"), a.m, a.ef_construction, a.seed, a.space)
        except ImportError:
            missing.append("hnswlib")
    if a.only in (None, "faiss"):
        try:
            faiss_index(x, os.path.join(a.out, "faiss.index"), a.m, a.ef_construction, a.space)
        except ImportError:
            missing.append("faiss")
    if missing:
        print("note: not installed: " + ", ".join(missing), file=sys.stderr)
        sys.exit(2)


if __name__ == "__main__":
    main()
