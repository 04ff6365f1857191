"""FLOPs per image from the model's layer shapes, this CPU's measured peak matmul/conv GFLOP/s in
float32 and bfloat16, and the fraction of it that GLADNet inference reaches.

    python bench/roofline.py [--height 400 --width 600]
"""
import argparse
import os
import statistics
import sys
import time

import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import append_results  # noqa: E402

from gladnet_tf.inference import Enhancer  # noqa: E402
from gladnet_tf.model import CONV_LAYERS, build_gladnet  # noqa: E402


def conv_flops(height, width):
    """{layer: 2 x multiply-adds} of every conv for a height x width input, from layer shapes:
    the global branch's sizes are fixed (96 -> 2 -> 96), the detail branch runs at H x W."""
    model = build_gladnet()
    flops = {}
    for name in CONV_LAYERS:
        layer = model.get_layer(name)
        h, w = layer.output.shape[1:3]
        if h is None:
            h, w = height, width
        k_h, k_w, c_in, c_out = layer.kernel.shape
        flops[name] = 2 * k_h * k_w * c_in * c_out * h * w
    return flops


def timed(function, repeats=5):
    function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_conv_gflops(dtype):
    """A 3x3 conv 128->128 on 1x256x256: the detail branch's own shape."""
    x = tf.random.uniform((1, 256, 256, 128), dtype=tf.float32)
    k = tf.random.uniform((3, 3, 128, 128), dtype=tf.float32)
    x, k = tf.cast(x, dtype), tf.cast(k, dtype)
    conv = tf.function(lambda: tf.nn.conv2d(x, k, 1, "SAME"))
    return 2 * 9 * 128 * 128 * 256 * 256 / timed(lambda: conv().numpy()) / 1e9


def peak_matmul_gflops(dtype, n=2048):
    a = tf.cast(tf.random.uniform((n, n)), dtype)
    matmul = tf.function(lambda: tf.matmul(a, a))
    return 2 * n**3 / timed(lambda: matmul().numpy()) / 1e9


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--height", type=int, default=400)
    parser.add_argument("--width", type=int, default=600)
    args = parser.parse_args()
    per_layer = conv_flops(args.height, args.width)
    flops = sum(per_layer.values())
    detail = sum(per_layer[f"conv2d_{i}"] for i in range(12, 17))
    image = tf.random.uniform((1, args.height, args.width, 3), maxval=0.3)
    rows = [f"GLADNet at {args.width}x{args.height}: {flops / 1e9:.1f} GFLOP per image "
            f"(2 x multiply-adds of the 17 convolutions; detail branch {detail / flops:.1%}, "
            f"global branch {(flops - detail) / 1e9:.2f} GFLOP whatever the size)", "",
            "| precision | peak matmul GFLOP/s | peak conv GFLOP/s | GLADNet latency (s) | achieved GFLOP/s | fraction of conv peak |",
            "|---|---|---|---|---|---|"]
    for label, dtype, precision in (("float32", tf.float32, "float32"), ("bfloat16", tf.bfloat16, "bfloat16")):
        enhancer = Enhancer(None, precision, memory_mb=1 << 20)
        latency = timed(lambda e=enhancer: e._whole(image).numpy(), repeats=3)
        conv_peak = peak_conv_gflops(dtype)
        achieved = flops / latency / 1e9
        rows.append(f"| {label} | {peak_matmul_gflops(dtype):.0f} | {conv_peak:.0f} | {latency:.3f} | "
                    f"{achieved:.0f} | {achieved / conv_peak:.0%} |")
    append_results("Roofline", rows)


if __name__ == "__main__":
    main()
