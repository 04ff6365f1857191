"""Seconds per megapixel of `Enhancer` over a sweep of photo widths, tiles at any width against
tiles widened to the widths this CPU runs fastest (`cpu.width_multiple`: multiples of 16 for
bfloat16 on AMX), interleaved in one run, default memory budget (the CLI's). Target on AMX:
bfloat16 no width slower than 1.25x the best; float32 unchanged (it has no slow widths).

    python bench/widths.py [--precision bfloat16] [--repeats 3]
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import append_results  # noqa: E402

SHAPES = [(400, w) for w in (512, 576, 579, 581, 583, 584, 586, 589, 600, 640)] + [(2000, 3000)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--precision", default="bfloat16")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from gladnet_tf import cpu
    from gladnet_tf.inference import Enhancer, shipped_weights

    fast = cpu.width_multiple(args.precision)
    enhancers = {"any width": Enhancer(shipped_weights(), args.precision, width_multiple=1),
                 f"multiples of {fast}": Enhancer(shipped_weights(), args.precision, width_multiple=fast)}
    rng = np.random.default_rng(0)
    rows = ["| photo | " + " | ".join(f"s/MP, {name}" for name in enhancers) + " | speed-up |",
            "|---|" + "---|" * (len(enhancers) + 1)]
    for height, width in SHAPES:
        image = rng.uniform(0, 0.3, (height, width, 3)).astype(np.float32)
        times = {name: [] for name in enhancers}
        for enhancer in enhancers.values():
            enhancer(image)  # warm-up: oneDNN builds its kernels for these shapes
        for _ in range(args.repeats):
            for name, enhancer in enhancers.items():
                start = time.perf_counter()
                enhancer(image)
                times[name].append(time.perf_counter() - start)
        per_mp = [statistics.median(t) / (height * width / 1e6) for t in times.values()]
        rows.append(f"| {width}x{height} | " + " | ".join(f"{s:.2f}" for s in per_mp) +
                    f" | {per_mp[0] / per_mp[-1]:.2f}x |")
    append_results(f"Photo widths ({args.precision}, default memory budget)", rows, [
        f"Median of {args.repeats} interleaved runs after one warm-up each; shipped weights."])


if __name__ == "__main__":
    main()
