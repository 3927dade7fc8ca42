"""An ann-benchmarks algorithm wrapper (its ``BaseANN`` interface), so hnswlab
runs inside ann-benchmarks beside the other HNSW libraries.

Copy this module to ``ann_benchmarks/algorithms/hnswlab/module.py`` and
``ann_benchmarks.yml`` beside it as ``config.yml``; outside ann-benchmarks the
class works on its own (``BaseANN`` falls back to ``object``).
"""

import numpy as np

import hnswlab

try:  # inside ann-benchmarks
    from ..base.module import BaseANN  # type: ignore[import-not-found]
except ImportError:  # standalone
    BaseANN = object

METRICS = {"euclidean": "l2", "angular": "cosine", "ip": "ip"}


class Hnswlab(BaseANN):
    """hnswlab's reference HNSW; ``method_param`` takes ``M``, ``efConstruction``
    and optionally ``strategy`` and ``threads``."""

    def __init__(self, metric, method_param):
        if metric not in METRICS:
            raise ValueError(f"hnswlab: unsupported metric {metric!r}; known: {', '.join(METRICS)}")
        self.metric = METRICS[metric]
        self.method_param = dict(method_param)
        self.ef = 10
        self.index = None
        self.res = None
        self.name = f"hnswlab ({self.method_param})"

    def fit(self, X):
        X = np.ascontiguousarray(X, dtype=np.float32)
        p = self.method_param
        self.index = hnswlab.Index(
            X.shape[1],
            metric=self.metric,
            m=p["M"],
            ef_construction=p["efConstruction"],
            strategy=p.get("strategy", "sequential"),
            threads=p.get("threads", 1),
        )
        self.index.add(X)

    def set_query_arguments(self, ef):
        self.ef = ef
        self.name = f"hnswlab ({self.method_param}, ef: {ef})"

    def query(self, q, n):
        labels, _ = self.index.search(np.asarray(q, dtype=np.float32)[None, :], k=n, ef=max(self.ef, n))
        return labels[0].astype(np.int64)

    def batch_query(self, X, n):
        labels, _ = self.index.search(X, k=n, ef=max(self.ef, n), threads=self.method_param.get("threads", 1))
        self.res = labels.astype(np.int64)

    def get_batch_results(self):
        return self.res

    def get_memory_usage(self):
        """Index size in kB (ann-benchmarks' unit)."""
        return None if self.index is None else self.index.memory_bytes() / 1024

    def done(self):
        self.index = None

    def __str__(self):
        return self.name
