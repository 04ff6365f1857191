"""Where a training step's time goes: one step at batch 8 under oneDNN verbose, summed by
convolution pass (forward, backward data, backward weights) and oneDNN kernel, with GFLOP/s.

    python bench/profile_train_step.py [--precision mixed_bfloat16] [--patch 384] [--plain-gradient]
"""
import argparse
import collections
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import append_results  # noqa: E402

BATCH = 8
MARK = "PROFILED-STEP"


def run_step(precision, patch, plain_gradient):
    """Runs in a child process with ONEDNN_VERBOSE=1: a warm-up step, the mark, one step."""
    import keras
    import numpy as np
    import tensorflow as tf

    from gladnet_tf import trainer
    from gladnet_tf.model import build_gladnet
    from gladnet_tf.strip_gradient import STRIP_ROWS

    keras.mixed_precision.set_global_policy(precision)
    model = build_gladnet(gradient_strip_rows=None if plain_gradient else STRIP_ROWS)
    optimizer = trainer.make_optimizer()
    step = tf.function(lambda low, high: trainer.train_step(model, optimizer, low, high))
    high = np.random.default_rng(0).uniform(size=(BATCH, patch, patch, 3)).astype(np.float32)
    step(high * 0.2, high)
    print(MARK, flush=True)
    step(high * 0.2, high)


def conv_flop(problem):
    """2 x multiply-adds of a oneDNN convolution problem like mb8_ic128oc128_ih384oh384kh3..."""
    size = {key: int(value) for key, value in re.findall(r"([a-z]+)(\d+)", problem)}
    return 2 * size["mb"] * size["ic"] * size["oc"] * size["oh"] * size["ow"] * size["kh"] * size["kw"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="mixed_bfloat16")
    parser.add_argument("--patch", type=int, default=384)
    parser.add_argument("--plain-gradient", action="store_true",
                        help="TensorFlow's own kernel gradient instead of the trainer's strip one")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return run_step(args.precision, args.patch, args.plain_gradient)
    command = [sys.executable, __file__, "--child", "--precision", args.precision,
               "--patch", str(args.patch)] + (["--plain-gradient"] if args.plain_gradient else [])
    env = {**os.environ, "ONEDNN_VERBOSE": "1", "TF_CPP_MIN_LOG_LEVEL": "3"}
    log = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    milliseconds, flop = collections.Counter(), collections.Counter()
    for line in log.split(MARK, 1)[1].splitlines():
        fields = line.split(",")
        if not line.startswith("onednn_verbose") or "exec" not in fields or fields[5] != "convolution":
            continue
        key = (fields[7], fields[6])  # pass, kernel
        milliseconds[key] += float(fields[-1])
        flop[key] += conv_flop(fields[-2])
    rows = ["| pass | oneDNN kernel | ms | GFLOP/s |", "|---|---|---|---|"]
    for (pass_, kernel), ms in milliseconds.most_common():
        rows.append(f"| {pass_} | {kernel} | {ms:.0f} | {flop[pass_, kernel] / ms / 1e6:.0f} |")
    gradient = "plain" if args.plain_gradient else "trainer's"
    append_results(f"Profile of one training step, {args.precision}, patch {args.patch}, batch "
                   f"{BATCH}, {gradient} kernel gradient", rows,
                   ["oneDNN verbose times summed per pass and kernel (inter-op threads may overlap "
                    "them, so they can add up to more than the step's wall time)."])


if __name__ == "__main__":
    main()
