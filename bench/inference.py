"""Inference latency at 600x400 (the paper's size) and 1920x1080: (a) the authors' TF1 graph,
(b) Keras float32, (c) Keras bfloat16, (d) TFLite fp32/fp16/int8 (all cores), (e) the LiteRT engine
of `gladnet-enhance --engine tflite` (the split pair, exact tiles; conversion not timed). Methods run
interleaved, so machine noise hits them alike. Targets: (b) >= 1.0x (a); (c) >= 1.8x (a) with
PSNR >= 40 dB against float32.

    python bench/inference.py [--repeats 5] [--sizes 400x600,1080x1920]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import append_results  # noqa: E402

META = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference", "GLADNet.meta")


def psnr(a, b):
    return 10 * np.log10(1.0 / max(np.mean((np.clip(a, 0, 1) - np.clip(b, 0, 1)) ** 2), 1e-20))


def methods_for(weights, height, width):
    """{name: callable(image[1,H,W,3]) -> output} for every method available here."""
    import tensorflow as tf
    from ai_edge_litert.interpreter import Interpreter

    from gladnet_tf import export
    from gladnet_tf.inference import Enhancer
    from gladnet_tf.tflite_engine import LiteEnhancer

    methods = {}
    if os.path.exists(META):
        from gladnet_tf.reference import OriginalGraph
        original = OriginalGraph(META)
        model = Enhancer(weights).model
        for layer in model.layers:  # same weights in the original graph
            for part, weight in zip(("kernel", "bias"), layer.weights):
                var = original.variables[f"FG/{layer.name}/{part}"]
                original.session.run(var.initializer, {var.initial_value: weight.numpy()})
        methods["(a) original TF1 graph"] = original.enhance
    else:
        print(f"skipping (a): {META} not found")
    for label, precision in (("(b) Keras float32", "float32"), ("(c) Keras bfloat16", "bfloat16")):
        enhancer = Enhancer(weights, precision, memory_mb=1 << 20)
        methods[label] = lambda x, e=enhancer: e._whole(tf.constant(x)).numpy()
    model = Enhancer(weights).model
    for variant in ("fp32", "fp16", "int8"):
        interpreter = Interpreter(model_content=export.convert_tflite(model, variant, (height, width)),
                                  num_threads=os.cpu_count())
        interpreter.allocate_tensors()
        def run(x, it=interpreter):
            it.set_tensor(it.get_input_details()[0]["index"], x)
            it.invoke()
            return it.get_tensor(it.get_output_details()[0]["index"])
        methods[f"(d) TFLite {variant}"] = run
    lite = LiteEnhancer(weights)
    methods["(e) LiteRT engine fp32 (--engine tflite)"] = lambda x: lite.tiled(x[0])[np.newaxis]
    return methods


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sizes", default="400x600,1080x1920")
    parser.add_argument("--weights", help="weights to time (default: shipped, else random)")
    args = parser.parse_args()
    from gladnet_tf.inference import shipped_weights
    from gladnet_tf.model import build_gladnet
    weights = args.weights or shipped_weights()
    if weights is None:
        weights = os.path.join(tempfile.mkdtemp(), "random.weights.h5")
        build_gladnet().save_weights(weights)
    rows = ["| size | method | median latency (s) | images/s | speed-up vs (a) | PSNR vs (b) (dB) |",
            "|---|---|---|---|---|---|"]
    for size in args.sizes.split(","):
        height, width = (int(v) for v in size.split("x"))
        image = np.random.default_rng(0).uniform(0, 0.3, (1, height, width, 3)).astype(np.float32)
        methods = methods_for(weights, height, width)
        outputs = {name: run(image) for name, run in methods.items()}  # warm-up, and outputs
        times = {name: [] for name in methods}
        for _ in range(args.repeats):
            for name, run in methods.items():
                start = time.perf_counter()
                run(image)
                times[name].append(time.perf_counter() - start)
        baseline = statistics.median(times.get("(a) original TF1 graph", [float("nan")]))
        reference = outputs["(b) Keras float32"]
        for name in methods:
            median = statistics.median(times[name])
            rows.append(f"| {width}x{height} | {name} | {median:.3f} | {1 / median:.2f} | "
                        f"{baseline / median:.2f}x | {psnr(outputs[name], reference):.1f} |")
    append_results("Inference latency", rows, [
        f"Median of {args.repeats} interleaved runs after one warm-up; batch 1; weights: {weights}."])


if __name__ == "__main__":
    main()
