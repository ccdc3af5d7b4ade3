#!/usr/bin/env python3
"""Writes the small classification set of the crossbar training examples: three Gaussian blobs in
4-D, 150 training and 60 test samples (float64 x, int64 labels), seeded, no dependencies.

    python3 examples/data/make_blobs.py      # from the repository root
"""
import os
import random
import struct

SEED = 7
CLASSES, FEATURES, SPREAD = 3, 4, 0.6


def save(path, rows, integer):
    shape = (len(rows), len(rows[0])) if not integer else (len(rows),)
    flat = rows if integer else [v for r in rows for v in r]
    dims = ", ".join(str(s) for s in shape) + ("," if len(shape) == 1 else "")
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % ("<i8" if integer else "<f8", dims)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(flat), "q" if integer else "d"), *flat))


def blobs(rng, centers, n):
    labels = [i % CLASSES for i in range(n)]
    rng.shuffle(labels)
    x = [[c + SPREAD * rng.gauss(0, 1) for c in centers[y]] for y in labels]
    return x, labels


def main():
    rng = random.Random(SEED)
    centers = [[1.5 * rng.gauss(0, 1) for _ in range(FEATURES)] for _ in range(CLASSES)]
    here = os.path.dirname(os.path.abspath(__file__))
    for name, n in (("train", 150), ("test", 60)):
        x, y = blobs(rng, centers, n)
        save(os.path.join(here, f"blobs_x_{name}.npy"), x, False)
        save(os.path.join(here, f"blobs_y_{name}.npy"), y, True)


if __name__ == "__main__":
    main()
