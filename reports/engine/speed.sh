#!/usr/bin/env bash
# Side-by-side build throughput of several hnswlab binaries on one machine,
# alternating them within each round so that load changes hit all alike.
#
# Usage: reports/engine/speed.sh ROUNDS BIN...
#   each BIN a `hnswlab` built with
#   `cargo build --release -p hnswlab-experiments --bin hnswlab` at some commit.
# Prints one line per build: binary, strategy, threads, round, vectors/s,
# recall@10 at ef 64, QPS at ef 64 (200 queries: too few for a QPS figure).
set -euo pipefail
rounds=$1
shift
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for round in $(seq 1 "$rounds"); do
  for cfg in "sequential 1" "concurrent 2"; do
    read -r strategy threads <<<"$cfg"
    for bin in "$@"; do
      load=$(cut -d' ' -f1 /proc/loadavg)
      "$bin" build --data clustered --n 100000 --dim 128 --queries 200 --m 16 --ef-construction 200 \
        --strategy "$strategy" --threads "$threads" --no-check-inserts --ef 64 --json >"$out/r.json"
      python3 - "$out/r.json" "$bin" "$strategy" "$threads" "$round" "$load" <<'PY'
import json, sys
path, bin, strategy, threads, rnd, load = sys.argv[1:]
r = json.load(open(path))
s = r["search"][0]
print(f"{bin} {strategy} t{threads} r{rnd} {r['vectors_per_second']:.0f} {s['recall_at_10']} {s['qps']:.0f} load {load}")
PY
    done
  done
done
