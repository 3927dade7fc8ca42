"""hnswlab: a reference HNSW (Malkov & Yashunin) built to be checked.

Build an index from numpy with any of hnswlab's insertion strategies (or a
deliberate mutant of a known HNSW bug), search it, and run the invariant
checker and census over it::

    import numpy as np, hnswlab
    x = np.random.default_rng(7).random((1000, 16), dtype=np.float32)
    index = hnswlab.Index(16, m=8, ef_construction=100, seed=7)
    index.add(x)                       # read in place: no copy of x
    labels, distances = index.search(x[:5], k=3)
    health = index.check()             # raises hnswlab.InvariantViolation on a hard failure
"""

from ._hnswlab import Index, InvariantViolation, __version__, mutants, strategies

__all__ = ["Index", "InvariantViolation", "__version__", "mutants", "strategies"]
