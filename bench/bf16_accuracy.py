"""bfloat16 vs float32 on the shipped weights over the real low-light photos in ../shared: 8-bit
PSNR per image (mean and worst), and whether this CPU computes bfloat16 natively, which decides
`--precision auto` (gladnet_tf/cpu.py). Target: worst image >= 45 dB where bf16 is the default.

    python bench/bf16_accuracy.py
"""
import glob
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import append_results  # noqa: E402

SHARED = os.path.join(os.path.dirname(__file__), "..", "..", "shared")
FOLDERS = ("data/real_lowlight/sice48", "reference/eval_low", "data/real_pairs_dev/low")


def main():
    from gladnet_tf import cpu, imageio
    from gladnet_tf.inference import Enhancer, shipped_weights

    full, half = Enhancer(shipped_weights(), "float32"), Enhancer(shipped_weights(), "bfloat16")
    rows = []
    for folder in FOLDERS:
        paths = sorted(p for p in glob.glob(os.path.join(SHARED, folder, "*")) if imageio.is_supported(p))
        scores = []
        for path in paths:
            image = imageio.read_image(path)[0]
            a = imageio.to_uint(full(image), 8).astype(np.float64)
            b = imageio.to_uint(half(image), 8).astype(np.float64)
            scores.append(10 * np.log10(255 ** 2 / max(np.mean((a - b) ** 2), 1e-10)))
        if scores:
            rows.append(f"| {folder} | {len(scores)} | {np.mean(scores):.1f} | {np.min(scores):.1f} |")
    append_results("bfloat16 accuracy (shipped weights)", [
        "| photos | count | PSNR bf16 vs fp32, mean (dB) | worst (dB) |", "|---|---|---|---|", *rows],
        [f"native bfloat16: {cpu.native_bf16()}; --precision auto picks "
         f"{cpu.resolve_precision('auto')[0]}"])


if __name__ == "__main__":
    main()
