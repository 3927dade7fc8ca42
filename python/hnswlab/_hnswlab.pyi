from typing import Any, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

__version__: str

class InvariantViolation(Exception):
    violations: list[dict[str, Any]]

def strategies() -> list[str]: ...
def mutants() -> list[str]: ...
def _buffer_address(vectors: npt.ArrayLike, copy: bool = False) -> int: ...

class Index:
    def __init__(
        self,
        dim: int,
        metric: str = "l2",
        m: int = 16,
        ef_construction: int = 200,
        seed: int = 42,
        prune: str = "standard",
        selection: str = "heuristic",
        strategy: str = "sequential",
        threads: int = 1,
        verify_inserts: bool = False,
    ) -> None: ...
    def add(
        self,
        vectors: npt.NDArray[np.float32],
        labels: Optional[Union[Sequence[int], npt.NDArray[np.integer[Any]]]] = None,
        copy: bool = False,
    ) -> None: ...
    def search(
        self, queries: npt.ArrayLike, k: int = 10, ef: Optional[int] = None, threads: int = 1
    ) -> Tuple[npt.NDArray[np.uint64], npt.NDArray[np.float32]]: ...
    def check(self, raise_on_violation: bool = True) -> Any: ...
    def memory_bytes(self) -> int: ...
    def labels(self) -> npt.NDArray[np.uint64]: ...
    def __len__(self) -> int: ...
    @property
    def dim(self) -> int: ...
    @property
    def strategy(self) -> str: ...
