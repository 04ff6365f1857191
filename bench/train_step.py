"""Training throughput at batch 8, patches 128 and 384: the authors' train op vs the project's
training step in float32 and mixed_bfloat16, interleaved. Targets: Keras float32 >= 0.95x the
original; mixed_bfloat16 >= 1.7x. The Keras steps compute the full-resolution convs' kernel
gradients on 32-row strips (gladnet_tf/strip_gradient.py); the "plain gradient" rows run the same
step with TensorFlow's own kernel gradient. The trainer takes the faster of the two by the CPU
(gladnet_tf/cpu.py: strips except for mixed_bfloat16 on AMX).

    python bench/train_step.py [--repeats 3] [--patches 128,384]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import append_results  # noqa: E402

META = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference", "GLADNet.meta")
BATCH = 8


def keras_step(precision, plain_gradient=False):
    import keras
    import tensorflow as tf

    from gladnet_tf import trainer
    from gladnet_tf.model import build_gladnet
    from gladnet_tf.strip_gradient import STRIP_ROWS

    keras.mixed_precision.set_global_policy(precision)
    model = build_gladnet(gradient_strip_rows=None if plain_gradient else STRIP_ROWS)
    optimizer = trainer.make_optimizer()
    keras.mixed_precision.set_global_policy("float32")
    step = tf.function(lambda low, high: trainer.train_step(model, optimizer, low, high))
    return lambda low, high: float(step(low, high))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--patches", default="128,384")
    args = parser.parse_args()
    methods = {}
    if os.path.exists(META):
        from gladnet_tf.reference import OriginalGraph
        methods["original train op"] = OriginalGraph(META).train_step
    else:
        print(f"skipping the original: {META} not found")
    for precision in ("float32", "mixed_bfloat16"):
        methods[f"Keras {precision}"] = keras_step(precision)
        methods[f"Keras {precision}, plain gradient"] = keras_step(precision, plain_gradient=True)
    rows = ["| patch | method | median s/step | images/s | speed-up vs original |", "|---|---|---|---|---|"]
    for patch in (int(p) for p in args.patches.split(",")):
        rng = np.random.default_rng(0)
        high = rng.uniform(size=(BATCH, patch, patch, 3)).astype(np.float32)
        low = (high * 0.2).astype(np.float32)
        times = {name: [] for name in methods}
        for name, step in methods.items():
            step(low, high)  # warm-up (tracing)
        for _ in range(args.repeats):
            for name, step in methods.items():
                start = time.perf_counter()
                step(low, high)
                times[name].append(time.perf_counter() - start)
        baseline = statistics.median(times.get("original train op", [float("nan")]))
        for name in methods:
            median = statistics.median(times[name])
            rows.append(f"| {patch} | {name} | {median:.2f} | {BATCH / median:.2f} | {baseline / median:.2f}x |")
    append_results(f"Training step, batch {BATCH}", rows,
                   [f"Median of {args.repeats} interleaved steps after one warm-up step each."])


if __name__ == "__main__":
    main()
