#!/usr/bin/env python3
"""Writes per-neuron BrainScaleS-2 calibration targets for examples/calibrate_per_neuron.dyn,
seeded, no dependencies (float64 .npy, shape (512,)):

    bss2_leak.npy     resting potential per neuron, CADC: 100..120 in a smooth gradient + jitter
    bss2_tau_mem.npy  membrane time constant per neuron, in us: 5..20 (log-uniform)
    bss2_rate.npy     leak-over-threshold rate per neuron, in kHz: 40..100; every fourth neuron 0
                      (its threshold is left as calibrated: it does not fire on its own)

    python3 examples/data/make_bss2_targets.py      # from the repository root
"""
import math
import os
import random
import struct

SEED = 11
NEURONS = 512


def save(path, values):
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (%d,), }" % len(values)
    header += " " * (63 - (10 + len(header)) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%dd" % len(values), *values))


def main():
    rng = random.Random(SEED)
    here = os.path.dirname(os.path.abspath(__file__))
    leak = [round(100 + 20 * i / (NEURONS - 1) + rng.uniform(-1, 1), 1) for i in range(NEURONS)]
    tau = [round(math.exp(rng.uniform(math.log(5), math.log(20))), 3) for _ in range(NEURONS)]
    rate = [0.0 if i % 4 == 0 else round(rng.uniform(40, 100), 1) for i in range(NEURONS)]
    save(os.path.join(here, "bss2_leak.npy"), leak)
    save(os.path.join(here, "bss2_tau_mem.npy"), tau)
    save(os.path.join(here, "bss2_rate.npy"), rate)


if __name__ == "__main__":
    main()
