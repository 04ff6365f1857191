"""Peak memory (RSS) of `gladnet-enhance` on 6 MP and 24 MP photos, tiled and untiled, each in
its own process. Target: 24 MP within 2 GiB.

    python bench/memory.py
"""
import os
import subprocess
import sys
import tempfile
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import append_results  # noqa: E402

SIZES = {"6 MP": (2000, 3000), "24 MP": (4000, 6000)}
UNTILED_MB = 1 << 20  # a budget so large that no image is tiled


def photo(path, height, width):
    """A smooth dark test photo with some texture, as JPEG."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    image = 40 + 30 * np.sin(x / 97) * np.cos(y / 131) + 10 * np.sin(x / 3 + y / 5)
    cv2.imwrite(path, np.repeat(image[..., None], 3, axis=2).clip(0, 255).astype(np.uint8))


def peak_rss_mb(args):
    """Runs gladnet-enhance in a child process; returns (peak RSS in MiB, seconds, exit status)."""
    start = time.time()
    child = subprocess.Popen([sys.executable, "-m", "gladnet_tf.enhance", *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    _, status, usage = os.wait4(child.pid, 0)
    return usage.ru_maxrss / 1024, time.time() - start, os.waitstatus_to_exitcode(status)


def main():
    rows = ["| image | mode | peak RSS (MiB) | time (s) | result |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as folder:
        for label, (height, width) in SIZES.items():
            source = os.path.join(folder, f"{height}x{width}.jpg")
            photo(source, height, width)
            modes = [("tiled (default 512 MB budget)", [])]
            if label == "6 MP":
                modes.append(("untiled", ["--memory-mb", str(UNTILED_MB)]))
            for mode, extra in modes:
                out = os.path.join(folder, "out")
                rss, seconds, code = peak_rss_mb([source, "--output-dir", out, "--overwrite", *extra])
                rows.append(f"| {label} ({width}x{height}) | {mode} | {rss:.0f} | {seconds:.1f} | "
                            f"{'ok' if code == 0 else f'exit {code}'} |")
    append_results("Peak memory of gladnet-enhance", rows, [
        "24 MP untiled is not run: the original graph needs ~10 GB at 6 MP and crashes at 24 MP."])


if __name__ == "__main__":
    main()
