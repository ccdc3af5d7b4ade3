#!/usr/bin/env python3
"""Times aihwkit's CPU analog tile on the cases of benches/crossbar.rs (forward and pulsed update,
256x256 and 1024x1024, batch 1 and 32; default IOParameters and UpdateParameters, ConstantStep),
and prints the ratio to dyn's criterion figures when they are present in target/criterion.

    OMP_NUM_THREADS=1 python3 benches/aihwkit_tile.py     # needs aihwkit (see the vectors README)

Without aihwkit it says so and exits 0.
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")


def dyn_seconds(kind, size, batch):
    """Mean time of one iteration from criterion's estimates, or None."""
    path = os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "target", "criterion", "crossbar", kind,
        f"{size}x{size}_batch{batch}", "new", "estimates.json",
    )
    try:
        with open(path) as f:
            return json.load(f)["mean"]["point_estimate"] * 1e-9
    except (OSError, KeyError, ValueError):
        return None


def timed(call, repeats):
    call()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    return (time.perf_counter() - start) / repeats


def main():
    try:
        import torch
        from aihwkit.simulator.configs import SingleRPUConfig
        from aihwkit.simulator.configs.devices import ConstantStepDevice
        from aihwkit.simulator.tiles import AnalogTile
    except ImportError as error:
        print(f"aihwkit is not installed ({error}); nothing to compare")
        return 0
    torch.set_num_threads(1)
    print(f"{'case':34} {'aihwkit':>12} {'dyn':>12} {'ratio':>8}")
    for size in (256, 1024):
        for batch in (1, 32):
            config = SingleRPUConfig(device=ConstantStepDevice(construction_seed=1))
            tile = AnalogTile(size, size, config)
            tile.tile.set_weights(torch.empty(size, size).uniform_(-0.3, 0.3))
            x = torch.empty(batch, size).uniform_(-1, 1)
            d = torch.empty(batch, size).uniform_(-0.1, 0.1)
            getattr(tile, "set_learning_rate", None) and tile.set_learning_rate(0.01)
            tile.tile.set_learning_rate(0.01)
            repeats = 20 if size == 256 else 5
            cases = {
                "forward": lambda: tile.tile.forward(x, False, False, False, False),
                "update": lambda: tile.tile.update(x, d, False),
            }
            for kind, call in cases.items():
                theirs = timed(call, repeats)
                ours = dyn_seconds(kind, size, batch)
                ratio = f"{theirs / ours:8.1f}" if ours else "     n/a"
                ours_text = f"{ours * 1e3:10.3f}ms" if ours else "         n/a"
                print(f"{kind + f' {size}x{size} batch {batch}':34} {theirs * 1e3:10.3f}ms {ours_text} {ratio}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
