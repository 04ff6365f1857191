"""GLADNet through LiteRT (the TFLite interpreter, XNNPACK on the CPU) with the split pair that
devices run: the global branch once on the photo's 96x96 sample, the detail branch over fixed-size
windows that tile the photo, each read with a halo (`windows`). Any photo size gives the whole
model's output, as `inference.Enhancer` does with TensorFlow; web/app.js and docs/android.md follow
the same steps.

The pair is converted from the weights on first use and cached (`$XDG_CACHE_HOME/gladnet_tf`,
by default ~/.cache/gladnet_tf), keyed by the weights' contents; `gladnet-export --branches`
writes the same files for devices.
"""
import hashlib
import os

import numpy as np

from gladnet_tf import atomic
from gladnet_tf.inference import HALO, global_sample, shipped_weights, source_indices
from gladnet_tf.model import GLOBAL_SIZE

CLI_WINDOW = 512  # the CLI's detail window: 4 % of halo work, 0.13 GB of activations per tile


def windows(length, window, halo=HALO):
    """(start, stop, lo) of each tile along an axis of `length` pixels: the core [start, stop) is
    read from the window [lo, lo + window), which holds the core's halo of real neighbours or ends
    where the photo does. Cores split the axis evenly (integer division, as web/app.js does);
    a photo shorter than the window gets one window from 0, masked past its edge."""
    if length <= window:
        return [(0, length, 0)]
    count = -(-length // (window - 2 * halo))
    bounds = [i * length // count for i in range(count + 1)]
    return [(start, stop, min(max(start - halo, 0), length - window))
            for start, stop in zip(bounds, bounds[1:])]


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gladnet_tf")


def pair_files(weights, variant="fp32", window=CLI_WINDOW):
    """Paths of the split pair for these weights (converted once, then read from the cache)."""
    from gladnet_tf import __version__
    with open(weights, "rb") as handle:
        digest = hashlib.sha256(handle.read()).hexdigest()[:16]
    folder = os.path.join(cache_dir(), f"pair-{digest}-{__version__}")
    from gladnet_tf import export
    paths = [os.path.join(folder, name) for name in export.pair_names(variant, window)]
    if not all(os.path.exists(p) for p in paths):
        contents = export.convert_pair(export.load_model(weights), variant, window)
        for path, content in zip(paths, contents):
            with atomic.atomic_path(path, overwrite=True) as tmp, open(tmp, "wb") as handle:
                handle.write(content)
    return paths


def _runner(path, threads):
    from ai_edge_litert.interpreter import Interpreter
    return Interpreter(model_path=path, num_threads=threads).get_signature_runner()


def _single(outputs):
    (value,) = outputs.values()
    return value


class LiteEnhancer:
    """The split pair run by LiteRT: same interface and pixels as `inference.Enhancer`."""

    def __init__(self, weights=None, variant="fp32", window=CLI_WINDOW, threads=None, pair=None):
        weights = weights or shipped_weights()
        global_path, detail_path = pair or pair_files(weights, variant, window)
        self.window = window
        threads = threads or len(os.sched_getaffinity(0))
        self._global = _runner(global_path, threads)
        self._detail = _runner(detail_path, threads)

    def global_features(self, image):
        """The global branch's features (96, 96, 64) of an image (H, W, 3)."""
        return _single(self._global(sample=global_sample(image)[np.newaxis].astype(np.float32)))[0]

    def tiled(self, image, features=None):
        """The model's output (float32, not clipped), window by window; `features` as in
        `inference.Enhancer.tiled`."""
        height, width = image.shape[:2]
        features = self.global_features(image) if features is None else np.asarray(features, np.float32)
        rows = source_indices(GLOBAL_SIZE, height).numpy()
        cols = source_indices(GLOBAL_SIZE, width).numpy()
        size = self.window
        tile = np.zeros((1, size, size, 3), np.float32)
        tile_features = np.zeros((1, size, size, features.shape[-1]), np.float32)
        mask = np.zeros((1, size, size, 1), np.float32)
        output = np.empty((height, width, 3), np.float32)
        for y0, y1, ya in windows(height, size):
            yb = min(ya + size, height)
            for x0, x1, xa in windows(width, size):
                xb = min(xa + size, width)
                if yb - ya < size or xb - xa < size:  # past the photo's edge: zeros, masked
                    tile[:], tile_features[:], mask[:] = 0, 0, 0
                tile[0, :yb - ya, :xb - xa] = image[ya:yb, xa:xb]
                tile_features[0, :yb - ya, :xb - xa] = features[rows[ya:yb]][:, cols[xa:xb]]
                mask[0, :yb - ya, :xb - xa] = 1
                result = _single(self._detail(image=tile, features=tile_features, mask=mask))[0]
                output[y0:y1, x0:x1] = result[y0 - ya:y1 - ya, x0 - xa:x1 - xa]
        return output

    def __call__(self, image):
        """Enhances one float32 RGB image (H, W, 3) in [0, 1], clipped."""
        return np.clip(self.tiled(image), 0.0, 1.0)

    def with_features(self, image, features):
        """Enhances an image with given global features instead of its own, clipped."""
        return np.clip(self.tiled(image, features), 0.0, 1.0)
