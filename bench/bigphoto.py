"""Big photos end to end: `gladnet-enhance` (decode, network, encode) on a 6 MP and a 24 MP photo
against the original graph's per-pixel time at 600x400, measured in one run, with peak RSS and
where the time goes, for each engine (--engine tf in each precision, --engine tflite). Targets: >= 0.9x the original's per-pixel speed in float32 and >= 1.6x with
bfloat16 where it is native (gladnet_tf/cpu.py), at <= 2 GiB peak RSS.

    python bench/bigphoto.py [--repeats 3]
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
from memory import peak_rss_mb, photo  # noqa: E402

META = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "reference", "GLADNet.meta")
SIZES = {"6 MP": (2000, 3000), "24 MP": (4000, 6000)}


def original_seconds_per_mp(repeats):
    """The authors' graph at 600x400 (its seeded weights: dense convolutions take the same time
    whatever the values), median seconds per megapixel."""
    from gladnet_tf.reference import OriginalGraph

    original = OriginalGraph(META)
    image = np.random.default_rng(0).uniform(0, 0.2, (1, 400, 600, 3)).astype(np.float32)
    original.enhance(image)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        original.enhance(image)
        times.append(time.perf_counter() - start)
    return statistics.median(times) / 0.24


def enhance_run(args):
    """gladnet-enhance in a child process: (seconds, peak RSS MiB)."""
    rss, seconds, status = peak_rss_mb(args)
    if status:
        raise RuntimeError(f"gladnet-enhance {' '.join(args)} failed")
    return seconds, rss


def stages(path, engine_name, precision):
    """Seconds of decode, network and encode of one photo, in this process."""
    from gladnet_tf import engine, imageio
    from gladnet_tf.inference import shipped_weights

    enhancer = engine.load(shipped_weights(), engine_name, precision)[0]
    enhancer(np.zeros((64, 64, 3), np.float32))
    start = time.perf_counter()
    image, _ = imageio.read_image(path)
    decoded = time.perf_counter()
    output = enhancer(image)
    network = time.perf_counter()
    imageio.encode_image(output, "x.png")
    return decoded - start, network - decoded, time.perf_counter() - network


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from gladnet_tf import cpu

    runs = [("tf", "float32")] + ([("tf", "bfloat16")] if cpu.native_bf16() else []) + [("tflite", "float32")]
    measured = []
    with tempfile.TemporaryDirectory() as folder:
        tiny = os.path.join(folder, "tiny.jpg")
        photo(tiny, 64, 64)
        # The child processes first: a child's peak RSS counts the parent's pages it forked from,
        # so nothing big (TensorFlow, photos) may be loaded here before them.
        for label, (height, width) in SIZES.items():
            source = os.path.join(folder, f"{label.replace(' ', '')}.jpg")
            photo(source, height, width)
            for engine, precision in runs:
                common = ["--output-dir", os.path.join(folder, "out"), "--overwrite", "--precision", precision,
                          "--engine", engine]
                startup = min(enhance_run([tiny, *common])[0] for _ in range(2))
                runs = [enhance_run([source, *common]) for _ in range(args.repeats)]
                measured.append((label, height * width / 1e6, source, engine, precision,
                                 statistics.median(r[0] for r in runs) - startup, max(r[1] for r in runs)))
        reference = original_seconds_per_mp(args.repeats)
        rows = ["| photo | engine | precision | s/MP end to end | vs original | decode / network / encode (s) "
                "| peak RSS (MiB) |", "|---|---|---|---|---|---|---|"]
        for label, megapixels, source, engine, precision, seconds, rss in measured:
            split = " / ".join(f"{s:.1f}" for s in stages(source, engine, precision))
            rows.append(f"| {label} | {engine} | {precision} | {seconds / megapixels:.2f} | "
                        f"{reference / (seconds / megapixels):.2f}x | {split} | {rss:.0f} |")
    append_results("Big photos end to end (gladnet-enhance)", rows, [
        f"Original graph at 600x400: {reference:.2f} s/MP (median of {args.repeats}). End to end: "
        "median wall time of a gladnet-enhance process minus that of a 64x64 photo (start-up)."])


if __name__ == "__main__":
    main()
