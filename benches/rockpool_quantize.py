#!/usr/bin/env python3
"""Rockpool 3.1.0's autoencoder_quantization on the problem benches/quantize.rs times.

The Rust bench writes the problem to target/bench-data/quantize/: w_in.npy (64 x 256), w_rec.npy
(256 x 256), the initial encoder w_en.npy (81920 x 4) and w_dec.npy (4 x 81920), and its own
timed run to dyn.json. This script runs Rockpool's `autoencoder_quantization` (one cluster,
fixed_epoch=True, 10,000 epochs, adam 1e-4, 4 bits) from the same initial encoder (patched in
place of Rockpool's unseeded Kaiming draw), times it, and prints both final losses and the
ratio Rockpool / dyn.

Rockpool's `learn_weights` builds fresh jit-compiled closures on every call, so each call pays
jax's tracing and compilation; the script reports the total wall time and, separately, the
time of a 10-epoch call (that fixed overhead), so the per-epoch ratio can be read too.

"To the same loss": the two runs start from the same encoder but part ways within a few hundred
epochs (float32 rounding flips different mask bits), and the loss of this problem does not settle:
it jumps by hundreds whenever a code crosses zero (the 1000 x exp(-c) penalty), so one epoch's loss
is a sample, not a level reached. The script therefore records Rockpool's whole loss curve (the
per-epoch losses its jitted `run_for` returns) next to dyn's (`dyn_loss.npy`) and prints both
curves' quartiles over the second half of training: equal quartiles mean the same loss, and the
time ratio is then the ratio for equal epochs.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np


def data_dir():
    target = Path(os.environ.get("CARGO_TARGET_DIR", Path(__file__).resolve().parent.parent / "target"))
    return target / "bench-data" / "quantize"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10_000)
    parser.add_argument("--data", type=Path, default=data_dir())
    args = parser.parse_args()

    try:
        from rockpool.devices.dynapse import autoencoder_quantization
        from rockpool.devices.dynapse.quantization.autoencoder import digital
    except ImportError as e:
        print(f"rockpool is not importable ({e}); nothing to compare", file=sys.stderr)
        return 0
    if not (args.data / "w_in.npy").exists():
        print(f"no problem in {args.data}: run `cargo bench --bench quantize` first", file=sys.stderr)
        return 1

    w_in = np.load(args.data / "w_in.npy").astype(np.float32)
    w_rec = np.load(args.data / "w_rec.npy").astype(np.float32)
    w_en = np.load(args.data / "w_en.npy").astype(np.float32)
    w_dec = np.load(args.data / "w_dec.npy").astype(np.float32)
    n = w_rec.shape[0]

    # Rockpool draws the encoder with `kaiming(shape)` from numpy's global RNG; hand it ours.
    def given(shape):
        return {tuple(w_en.shape): w_en, tuple(w_dec.shape): w_dec}[tuple(shape)].copy()

    init = digital.DigitalAutoEncoder.__init__
    defaults = list(init.__defaults__)
    defaults[-1] = given  # weight_init
    init.__defaults__ = tuple(defaults)

    # Record the per-epoch losses: learn_weights jit-compiles `run_for`, whose concrete
    # (opt_state, losses) result passes through this wrapper; traced inner calls are skipped.
    from rockpool.devices.dynapse.quantization.autoencoder import learn
    import jax

    curves = []
    real_jit = learn.jit

    def recording_jit(fun, *a, **k):
        jitted = real_jit(fun, *a, **k)

        def call(*args):
            out = jitted(*args)
            if isinstance(out, tuple) and len(out) == 2 and not isinstance(out[1], jax.core.Tracer):
                if getattr(out[1], "ndim", 0) == 1:
                    curves.append(np.asarray(out[1]))
            return out

        return call

    learn.jit = recording_jit

    def run(epochs):
        started = time.perf_counter()
        out = autoencoder_quantization(
            n_cluster=1,
            core_map=np.zeros(n, dtype=int),
            weights_in=w_in,
            weights_rec=w_rec,
            Iscale=1e-8,
            n_bits=4,
            fixed_epoch=True,
            num_epoch=epochs,
            optimizer="adam",
            step_size=1e-4,
        )
        return time.perf_counter() - started, out

    overhead, _ = run(10)
    seconds, out = run(args.epochs)
    loss = out["quantization_loss"][0]
    iw = [out[f"Iw_{k}"][0] for k in range(4)]
    print(f"rockpool: {args.epochs} epochs in {seconds:.2f} s (a 10-epoch call: {overhead:.2f} s), "
          f"final loss {loss:.6g}, Iw {iw}")

    dyn_file = args.data / "dyn.json"
    if dyn_file.exists():
        dyn = json.loads(dyn_file.read_text())
        if dyn.get("epochs") != args.epochs:
            print(f"dyn.json is for {dyn.get('epochs')} epochs, not {args.epochs}: no ratio", file=sys.stderr)
            return 0
        print(f"dyn:      {dyn['epochs']} epochs in {dyn['seconds']:.2f} s ({dyn['threads']} threads), "
              f"final loss {dyn['loss']:.6g}, Iw {dyn['iw']}")
        per_epoch = (seconds - overhead) / max(dyn["seconds"], 1e-9)
        print(f"ratio rockpool / dyn: {seconds / dyn['seconds']:.1f}x (without jax's compile overhead: "
              f"{per_epoch:.1f}x); final loss dyn / rockpool: {dyn['loss'] / loss:.4f}")
        same_loss(args, curves[-1] if curves else None)
    return 0


def same_loss(args, rockpool_curve):
    dyn_file = args.data / "dyn_loss.npy"
    if rockpool_curve is None or not dyn_file.exists():
        print("no loss curves recorded: no loss comparison", file=sys.stderr)
        return
    np.save(args.data / "rockpool_loss.npy", rockpool_curve)
    dyn_curve = np.load(dyn_file).astype(np.float64)
    rockpool_curve = rockpool_curve.astype(np.float64)
    for at in (1, 10, 100, 1000, len(dyn_curve) // 2, len(dyn_curve)):
        print(f"  loss after {at:>5} epochs: dyn {dyn_curve[at - 1]:10.4g}   rockpool {rockpool_curve[at - 1]:10.4g}")
    half = len(dyn_curve) // 2
    q = [25, 50, 75]
    dq, rq = np.percentile(dyn_curve[half:], q), np.percentile(rockpool_curve[half:], q)
    print(f"  loss quartiles over epochs {half}..{len(dyn_curve)}: dyn {np.round(dq, 1)}, rockpool {np.round(rq, 1)}")


if __name__ == "__main__":
    sys.exit(main())
