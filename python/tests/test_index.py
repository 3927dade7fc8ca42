"""pytest suite of the hnswlab Python package: numpy round trips, bad input,
zero-copy, the GIL, and agreement with the Rust CLI on the same data and seed."""

import json
import os
import pathlib
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import hnswlab

SEED = 7


def data(n=2000, dim=16, seed=SEED):
    print(f"seed {seed}")
    return np.random.default_rng(seed).random((n, dim), dtype=np.float32)


def test_add_search_round_trip_with_user_labels():
    x = data()
    labels = np.arange(len(x), dtype=np.uint64) * 10 + 5
    index = hnswlab.Index(16, m=8, ef_construction=100, seed=SEED)
    index.add(x, labels=labels)
    assert len(index) == len(x)
    found, dist = index.search(x[:100], k=3, ef=50)
    assert found.shape == (100, 3) and dist.shape == (100, 3)
    assert found.dtype == np.uint64 and dist.dtype == np.float32
    np.testing.assert_array_equal(found[:, 0], labels[:100])
    np.testing.assert_array_equal(dist[:, 0], 0.0)
    assert np.all(np.diff(dist, axis=1) >= 0), "distances ascend"
    np.testing.assert_array_equal(index.labels(), labels)


def test_a_second_add_continues_the_same_index():
    x = data()
    index = hnswlab.Index(16, m=8, ef_construction=64, seed=SEED)
    index.add(x[:1000])
    index.add(x[1000:])
    found, _ = index.search(x[1500:1510], k=1)
    np.testing.assert_array_equal(found[:, 0], np.arange(1500, 1510))


@pytest.mark.parametrize("strategy", hnswlab.strategies())
def test_every_strategy_builds_a_healthy_index(strategy):
    x = np.random.default_rng(SEED).integers(0, 4, (400, 2)).astype(np.float32)  # duplicate-rich
    index = hnswlab.Index(2, m=3, ef_construction=16, seed=SEED, strategy=strategy, threads=2)
    index.add(x)
    health = index.check()
    nodes = sum(s["nodes"] for s in health["segments"]) if "segments" in health else health["nodes"]
    assert nodes == len(x)


@pytest.mark.parametrize("mutant", ["stale-entry-point", "no-truncation"])
def test_check_kills_mutants(mutant):
    x = np.random.default_rng(3).integers(0, 3, (300, 2)).astype(np.float32)
    index = hnswlab.Index(2, m=2, ef_construction=8, seed=3, strategy=mutant)
    index.add(x)
    with pytest.raises(hnswlab.InvariantViolation) as e:
        index.check()
    assert e.value.violations, "violations are attached"
    listed = index.check(raise_on_violation=False)
    assert [v["kind"] for v in listed] == [v["kind"] for v in e.value.violations]
    assert all(v["message"] for v in listed)


def test_every_mutant_name_builds():
    assert set(hnswlab.mutants()) >= {"stale-entry-point", "no-truncation", "one-way-edges"}


@pytest.mark.parametrize(
    "bad, error, words",
    [
        (lambda x: x.astype(np.float64), TypeError, "float32"),
        (lambda x: x.tolist(), TypeError, "float32"),
        (lambda x: np.asfortranarray(x), ValueError, "C-contiguous"),
        (lambda x: x[::2], ValueError, "C-contiguous"),
        (lambda x: x[:, :8].copy(), ValueError, "columns"),
        (lambda x: x[None], ValueError, "dimensions"),
    ],
)
def test_bad_arrays_are_refused_naming_the_problem(bad, error, words):
    x = data(200)
    index = hnswlab.Index(16, seed=SEED)
    with pytest.raises(error, match=words):
        index.add(bad(x))
    assert len(index) == 0, "nothing was added"


def test_copy_true_converts_what_it_is_given():
    x = data(200)
    index = hnswlab.Index(16, seed=SEED)
    index.add(np.asfortranarray(x.astype(np.float64)), copy=True)
    found, _ = index.search(x[:5], k=1)
    np.testing.assert_array_equal(found[:, 0], np.arange(5))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_rows_raise_with_the_row(value):
    x = data(200)
    x[37, 4] = value
    index = hnswlab.Index(16, seed=SEED)
    with pytest.raises(ValueError, match="row 37, column 4"):
        index.add(x)
    assert len(index) == 0


def test_duplicate_labels_raise_with_the_row():
    x = data(10)
    index = hnswlab.Index(16, seed=SEED)
    with pytest.raises(ValueError, match="duplicate label 3 at row 5"):
        index.add(x, labels=[0, 1, 2, 3, 4, 3, 6, 7, 8, 9])
    index.add(x[:5])
    with pytest.raises(ValueError, match="duplicate label 4 at row 0"):
        index.add(x[5:], labels=[4, 50, 60, 70, 80])
    with pytest.raises(ValueError, match="3 labels for 5 rows"):
        index.add(x[5:], labels=[100, 101, 102])


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"dim": 0}, "dim"),
        ({"dim": 4, "metric": "hamming"}, "metric"),
        ({"dim": 4, "strategy": "nope"}, "strategy"),
        ({"dim": 4, "prune": "x"}, "prune"),
        ({"dim": 4, "selection": "x"}, "selection"),
        ({"dim": 4, "m": 1}, "m"),
        ({"dim": 4, "ef_construction": 0}, "ef_construction"),
        ({"dim": 4, "threads": 0}, "threads"),
    ],
)
def test_bad_parameters_raise_value_error(kwargs, words):
    with pytest.raises(ValueError, match=words):
        hnswlab.Index(**kwargs)


def test_bad_searches_raise_value_error():
    index = hnswlab.Index(16, seed=SEED)
    with pytest.raises(ValueError, match="empty"):
        index.search(data(1), k=1)
    index.add(data(50))
    with pytest.raises(ValueError, match="k must be"):
        index.search(data(1), k=51)
    with pytest.raises(ValueError, match="columns"):
        index.search(np.zeros((1, 3), np.float32), k=1)
    bad = data(3)
    bad[2, 0] = np.nan
    with pytest.raises(ValueError, match="query row 2"):
        index.search(bad, k=1)


def test_batch_search_over_threads_equals_one_thread():
    x = data(3000)
    index = hnswlab.Index(16, m=8, ef_construction=64, seed=SEED)
    index.add(x)
    q = data(301, seed=SEED + 1)
    one = index.search(q, k=10, ef=40, threads=1)
    two = index.search(q, k=10, ef=40, threads=2)
    np.testing.assert_array_equal(one[0], two[0])
    np.testing.assert_array_equal(one[1], two[1])


def test_add_reads_the_array_in_place():
    x = data(100)
    assert hnswlab._hnswlab._buffer_address(x) == x.ctypes.data
    assert hnswlab._hnswlab._buffer_address(x.astype(np.float64), copy=True) != x.ctypes.data


@pytest.mark.skipif(not pathlib.Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc peak-RSS reset")
def test_peak_memory_of_add_is_the_index_not_a_copy():
    # In a fresh process: the array exists before; the peak RSS growth over the
    # add must stay within the index's own bytes plus a few MB (a copy of the
    # 51 MB array would exceed it).
    script = r"""
import numpy as np, hnswlab, json
def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key):
            return int(line.split()[1]) * 1024
x = np.random.default_rng(7).random((100_000, 128), dtype=np.float32)
index = hnswlab.Index(128, m=4, ef_construction=8, seed=7)
open("/proc/self/clear_refs", "w").write("5")
before = status("VmRSS:")
index.add(x)
print(json.dumps({"growth": status("VmHWM:") - before, "index": index.memory_bytes(), "array": x.nbytes}))
"""
    out = json.loads(subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True).stdout)
    print(out)
    assert out["growth"] <= out["index"] + 8 * 2**20, out


def test_the_interpreter_runs_other_threads_during_a_build():
    x = data(20000, 32)
    ticks = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=tick)
    t.start()
    index = hnswlab.Index(32, m=8, ef_construction=100, seed=SEED)
    start = time.perf_counter()
    index.add(x)
    end = time.perf_counter()
    stop.set()
    t.join()
    during = [s for s in ticks if start < s < end]
    print(f"build {end - start:.2f} s, {len(during)} ticks of the other thread")
    # With the interpreter held for the whole build the other thread would only
    # get in at the chunk boundaries (20 of them).
    assert len(during) > 100, len(during)


def write_fvecs(path, x):
    n, d = x.shape
    rows = np.empty((n, d + 1), dtype=np.float32)
    rows[:, 0] = np.array([d], dtype=np.int32).view(np.float32)[0]
    rows[:, 1:] = x
    rows.tofile(path)


def cli():
    explicit = os.environ.get("HNSWLAB_BIN")
    if explicit:
        return explicit
    root = pathlib.Path(__file__).resolve().parents[2]
    for profile in ("release", "debug"):
        exe = root / "target" / profile / "hnswlab"
        if exe.exists():
            return str(exe)
    return None


@pytest.mark.skipif(cli() is None, reason="the hnswlab CLI is not built (cargo build -p hnswlab-experiments)")
def test_census_equals_the_rust_cli_on_the_same_data_and_seed(tmp_path):
    x = data(3000, 8)
    q = data(50, 8, seed=SEED + 1)
    write_fvecs(tmp_path / "base.fvecs", x)
    write_fvecs(tmp_path / "query.fvecs", q)
    cmd = [cli(), "build", "--base", str(tmp_path / "base.fvecs"), "--query", str(tmp_path / "query.fvecs"),
           "--m", "6", "--ef-construction", "40", "--seed", str(SEED), "--ef", "10", "--json"]
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    index = hnswlab.Index(8, m=6, ef_construction=40, seed=SEED)
    index.add(x)
    assert index.check() == report["health"]
    found, _ = index.search(q, k=10, ef=10)
    assert found.shape == (50, 10)


def test_ann_benchmarks_wrapper_follows_the_base_ann_interface():
    from hnswlab.ann_benchmarks import Hnswlab

    x = data(1000)
    algo = Hnswlab("euclidean", {"M": 8, "efConstruction": 64})
    algo.fit(x.astype(np.float64))
    algo.set_query_arguments(40)
    assert "ef: 40" in str(algo)
    np.testing.assert_array_equal(algo.query(x[7], 1), [7])
    algo.batch_query(x[:20], 5)
    res = algo.get_batch_results()
    assert res.shape == (20, 5) and res.dtype == np.int64
    np.testing.assert_array_equal(res[:, 0], np.arange(20))
    assert algo.get_memory_usage() > x.nbytes / 1024
    with pytest.raises(ValueError, match="metric"):
        Hnswlab("jaccard", {"M": 8, "efConstruction": 64})
