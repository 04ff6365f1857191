"""TFLite int8 variants against float32 on the shipped weights: 8-bit PSNR of the outputs on real
dark photos (mean and worst image) and speed, the frontier the on-device choice is made on.
Target: an int8 variant >= 40 dB from float32 at >= 2.5x the float32 TFLite speed.

Rows: `int8` is what gladnet-export writes (dynamic range, the photo's conv kept float:
gladnet_tf.tflite_int8); `int8 plain` the converter's dynamic range as it comes; `int8_full`
and `int16x8` full-integer quantisation calibrated on real dark photos.

Fixed 384x512 input (the in-browser model's size). Full-integer calibration uses every other
real_lowlight photo; PSNR is measured on the other photos (real_lowlight, eval_low,
real_pairs_dev/low). int16x8 runs on TFLite's reference kernels (no XNNPACK), so its PSNR is
measured on four photos only.

    python bench/int8.py
"""
import glob
import os
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import append_results  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")
HEIGHT, WIDTH = 384, 512


def photos():
    import cv2

    from gladnet_tf import imageio
    load = lambda p: cv2.resize(imageio.read_image(p)[0], (WIDTH, HEIGHT),  # noqa: E731
                                interpolation=cv2.INTER_AREA)[np.newaxis].astype(np.float32)
    sice = sorted(glob.glob(os.path.join(SHARED, "data", "real_lowlight", "sice48", "*")))
    others = sorted(glob.glob(os.path.join(SHARED, "reference", "eval_low", "*"))) + \
        sorted(glob.glob(os.path.join(SHARED, "data", "real_pairs_dev", "low", "*")))
    return [load(p) for p in sice[::2]], [load(p) for p in sice[1::2] + others]


def convert(saved, variant, calibration):
    """`int8 plain`, `int8_full` or `int16x8` bytes of the SavedModel in `saved`."""
    import tensorflow as tf
    converter = tf.lite.TFLiteConverter.from_saved_model(saved)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if variant in ("int8_full", "int16x8"):
        converter.representative_dataset = lambda: ([x] for x in calibration)
        converter.target_spec.supported_ops = [
            tf.lite.OpsSet.TFLITE_BUILTINS_INT8 if variant == "int8_full" else
            tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    return converter.convert()


def runner(data):
    from ai_edge_litert.interpreter import Interpreter
    interpreter = Interpreter(model_content=data, num_threads=os.cpu_count())
    interpreter.allocate_tensors()
    source = interpreter.get_input_details()[0]["index"]
    target = interpreter.get_output_details()[0]["index"]

    def run(image):
        interpreter.set_tensor(source, image)
        interpreter.invoke()
        return np.round(np.clip(interpreter.get_tensor(target)[0], 0, 1) * 255)
    return run


def main():
    import tensorflow as tf

    from gladnet_tf import export
    from gladnet_tf.inference import shipped_weights

    calibration, images = photos()
    model = export.load_model(shipped_weights())
    saved = tempfile.mkdtemp()
    spec = tf.TensorSpec((1, HEIGHT, WIDTH, 3), tf.float32, name="images")
    model.export(saved, format="tf_saved_model", input_signature=[spec], verbose=False)
    runs = {v: runner(export.convert_tflite(model, v, (HEIGHT, WIDTH))) for v in ("fp32", "int8")}
    runs.update({v: runner(convert(saved, v, calibration)) for v in ("int8 plain", "int8_full", "int16x8")})
    reference = [runs["fp32"](x) for x in images]
    seconds = {}
    for variant, run in runs.items():
        run(images[0])
        times = []
        for _ in range(3):
            start = time.perf_counter()
            run(images[0])
            times.append(time.perf_counter() - start)
        seconds[variant] = statistics.median(times)
    rows = ["| variant | photos | PSNR vs fp32, mean (dB) | worst (dB) | s per image | speed vs fp32 |",
            "|---|---|---|---|---|---|"]
    for variant, run in runs.items():
        count = 4 if variant == "int16x8" else len(images)
        scores = [10 * np.log10(255 ** 2 / max(np.mean((run(x) - r) ** 2), 1e-10))
                  for x, r in zip(images[:count], reference[:count])] if variant != "fp32" else []
        quality = f"{np.mean(scores):.1f} | {np.min(scores):.1f}" if scores else "reference | reference"
        rows.append(f"| {variant} | {count} | {quality} | {seconds[variant]:.3f} | "
                    f"{seconds['fp32'] / seconds[variant]:.2f}x |")
    append_results("TFLite int8 frontier (shipped weights, 384x512, real dark photos)", rows, [
        f"{os.cpu_count()} threads; calibration: {len(calibration)} real_lowlight photos, not scored."])


if __name__ == "__main__":
    main()
