"""What weights lose on each camera, by oracle corrections (docs/experiment_log.md, step 43): PSNR
as is, with the chroma scale, per-channel gains, or low frequencies (Gaussian, sigma 16 px) fitted
to each reference; the best brightness rule shared by both cameras (outputs rescaled to a mean of
a * input_mean^b); and how each camera's references relate to their inputs' brightness.

    python experiments/oracles.py WEIGHTS... [--lol DIR]
"""
import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import two_cameras  # noqa: E402

from gladnet_tf.inference import Enhancer  # noqa: E402


def psnr(output, reference):
    return 10 * np.log10(1 / np.mean((np.clip(output, 0, 1) - reference) ** 2))


def oracles(output, reference):
    """PSNR as is and with each oracle correction fitted to the reference."""
    luma = output.mean(-1, keepdims=True)
    chroma = output - luma
    scale = (chroma * (reference - luma)).sum() / max((chroma * chroma).sum(), 1e-9)
    gains = (output * reference).sum((0, 1)) / np.maximum((output * output).sum((0, 1)), 1e-9)
    blur = lambda x: cv2.GaussianBlur(x, (0, 0), 16)  # noqa: E731
    return [psnr(output, reference), psnr(luma + scale * chroma, reference), psnr(output * gains, reference),
            psnr(output * blur(reference) / np.maximum(blur(output), 1e-3), reference)]


def shared_rule(cameras):
    """(a, b, PSNR per camera) of the rule a * input_mean^b best for the worse camera."""
    def scores(a, b):
        return [np.mean([psnr(out * a * low.mean() ** b / max(out.mean(), 1e-4), ref) for low, out, ref in items])
                for items in cameras]
    grid = [(a, b) for b in np.arange(0, 1.01, 0.1) for a in np.exp(np.linspace(np.log(0.2), np.log(20), 40))]
    return max(((a, b, scores(a, b)) for a, b in grid), key=lambda r: min(r[2]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", nargs="+")
    parser.add_argument("--lol", default=os.path.expanduser("~/tensorflow_datasets/paired_images/1.1.0"))
    args = parser.parse_args()
    dev = two_cameras.paired(os.path.join(two_cameras.SHARED, "data/real_pairs_dev/low"),
                             os.path.join(two_cameras.SHARED, "data/real_pairs_dev/high"))
    cameras = {"dev": dev, "LOL": two_cameras.from_tfds(args.lol)}
    for name, items in cameras.items():
        low = np.array([lo.mean() for _, lo, _ in items])
        high = np.array([hi.mean() for _, _, hi in items])
        print(f"{name} references: mean {high.mean():.3f} ± {high.std():.3f}, reference / input "
              f"{np.mean(high / low):.1f} ± {np.std(high / low):.1f}, correlation of log means "
              f"{np.corrcoef(np.log(low), np.log(high))[0, 1]:.2f}")
    print("| weights | camera | as is | chroma scale | channel gains | low frequencies |\n|---|---|---|---|---|---|")
    for weights in args.weights:
        enhancer = Enhancer(weights)
        halves = []
        for name, items in cameras.items():
            outputs = [np.clip(enhancer(lo), 0, 1) for _, lo, _ in items]
            rows = np.mean([oracles(out, hi) for out, (_, _, hi) in zip(outputs, items)], axis=0)
            print(f"| {os.path.basename(weights)} | {name} | " + " | ".join(f"{v:.2f}" for v in rows) + " |")
            halves.append([(lo[::2, ::2], out[::2, ::2], hi[::2, ::2]) for out, (_, lo, hi) in zip(outputs, items)])
        a, b, scores = shared_rule(halves)
        print(f"  best shared brightness rule {a:.3f} * input^{b:.1f} (half resolution): dev {scores[0]:.2f}, "
              f"LOL {scores[1]:.2f}")


if __name__ == "__main__":
    main()
