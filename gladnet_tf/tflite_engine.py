"""GLADNet through LiteRT (the TFLite interpreter, XNNPACK on the CPU) with the split pair: the
global branch once on the photo's 96x96 sample, the detail branch over tiles read with a halo. Any
photo size gives the whole model's output, as `inference.Enhancer` does with TensorFlow.

Two kinds of detail model. Devices run a fixed-size, masked window (`gladnet-export --branches`;
`windows` places it). On Android it keeps its size and the mask zeroes what lies past the photo
(docs/android.md; `LiteEnhancer(window=...)`). The page fits the window to each photo instead
(`fit_window`: tiles of at most that size that divide the photo evenly, so nothing runs past its
edge), writing the size into the model's bytes, since LiteRT.js cannot resize inputs
(`tflite_model.resize_window`; web/app.js; `LiteEnhancer(window=..., fitted=True)`).
gladnet-enhance's engine runs the any-size detail model on `inference.spans` tiles, which fit the
photo, so no pixel is computed in vain.

The pair is converted from the weights on first use and cached (`$XDG_CACHE_HOME/gladnet_tf`,
by default ~/.cache/gladnet_tf), keyed by the weights' contents.
"""
import hashlib
import os

import numpy as np

from gladnet_tf import atomic, tflite_int8, tflite_model
from gladnet_tf.inference import (DEFAULT_MEMORY_MB, HALO, global_sample, shipped_weights, source_indices,
                                  spans, tile_size_for)
from gladnet_tf.model import GLOBAL_SIZE


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


def fit_window(length, largest, halo=HALO):
    """The window along an axis of `length` pixels that the page runs: the whole axis up to
    `largest`, else as few windows of at most `largest` as cover it (with `windows`), shrunk to
    the largest core they hold plus its two halos."""
    if length <= largest:
        return length
    count = -(-length // (largest - 2 * halo))
    return -(-length // count) + 2 * halo


def cache_dir():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "gladnet_tf")


def pair_files(weights, variant="fp32", window=None):
    """Paths of the split pair for these weights (converted once, then read from the cache, keyed
    by the weights' and the converter's bytes)."""
    from gladnet_tf import export
    digest = hashlib.sha256()
    for path in (weights, export.__file__, tflite_int8.__file__):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    folder = os.path.join(cache_dir(), f"pair-{digest.hexdigest()[:16]}")
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
    """The split pair run by LiteRT: same interface and pixels as `inference.Enhancer`. `window`:
    run the devices' fixed, masked window of this size (Android's), or with `fitted` the page's
    windows of at most this size, instead of the any-size model on tiles of at most `memory_mb`'s
    size. `pair`: the (global, detail) files, instead of converting the weights."""

    def __init__(self, weights=None, variant="fp32", window=None, threads=None, pair=None,
                 memory_mb=DEFAULT_MEMORY_MB, fitted=False):
        weights = weights or shipped_weights()
        global_path, detail_path = pair or pair_files(weights, variant, window)
        self.window, self.fitted = window, fitted
        self.tile = tile_size_for(memory_mb)
        self.threads = threads or len(os.sched_getaffinity(0))
        self._global = _runner(global_path, self.threads)
        self._detail = _runner(detail_path, self.threads)
        if fitted:
            with open(detail_path, "rb") as handle:
                self._detail_bytes = handle.read()
            self._offsets = tflite_model.window_offsets(self._detail_bytes, window)
            self._resized = (None, None)  # (window size, its model): the last photo's

    def _detail_for(self, height, width):
        """The detail model over a window of this size (the page's: sizes written in place)."""
        if not self.fitted:
            return self._detail
        if self._resized[0] != (height, width):
            from ai_edge_litert.interpreter import Interpreter
            content = tflite_model.resize_window(self._detail_bytes, self._offsets, height, width)
            self._resized = ((height, width), Interpreter(model_content=content, num_threads=self.threads)
                             .get_signature_runner())
        return self._resized[1]

    def global_features(self, image):
        """The global branch's features (96, 96, 64) of an image (H, W, 3)."""
        return _single(self._global(sample=global_sample(image)[np.newaxis].astype(np.float32)))[0]

    def tiled(self, image, features=None):
        """The model's output (float32, not clipped), tile by tile; `features` as in
        `inference.Enhancer.tiled`."""
        features = self.global_features(image) if features is None else np.asarray(features, np.float32)
        height, width = image.shape[:2]
        rows = source_indices(GLOBAL_SIZE, height).numpy()
        cols = source_indices(GLOBAL_SIZE, width).numpy()
        output = np.empty((height, width, 3), np.float32)
        if self.window is None:
            for y0, y1, ya, yb in spans(height, self.tile):
                for x0, x1, xa, xb in spans(width, self.tile):
                    result = _single(self._detail(image=np.ascontiguousarray(image[np.newaxis, ya:yb, xa:xb]),
                                                  features=features[rows[ya:yb]][:, cols[xa:xb]][np.newaxis]))
                    output[y0:y1, x0:x1] = result[0, y0 - ya:y1 - ya, x0 - xa:x1 - xa]
            return output
        sizes = (self.window, self.window)
        if self.fitted:
            sizes = (fit_window(height, self.window), fit_window(width, self.window))
        detail = self._detail_for(*sizes)
        tile = np.zeros((1, *sizes, 3), np.float32)
        tile_features = np.zeros((1, *sizes, features.shape[-1]), np.float32)
        mask = np.zeros((1, *sizes, 1), np.float32)
        for y0, y1, ya in windows(height, sizes[0]):
            yb = min(ya + sizes[0], height)
            for x0, x1, xa in windows(width, sizes[1]):
                xb = min(xa + sizes[1], width)
                if yb - ya < sizes[0] or xb - xa < sizes[1]:  # past the photo's edge: zeros, masked
                    tile[:], tile_features[:], mask[:] = 0, 0, 0
                tile[0, :yb - ya, :xb - xa] = image[ya:yb, xa:xb]
                tile_features[0, :yb - ya, :xb - xa] = features[rows[ya:yb]][:, cols[xa:xb]]
                mask[0, :yb - ya, :xb - xa] = 1
                result = _single(detail(image=tile, features=tile_features, mask=mask))[0]
                output[y0:y1, x0:x1] = result[y0 - ya:y1 - ya, x0 - xa:x1 - xa]
        return output

    def __call__(self, image):
        """Enhances one float32 RGB image (H, W, 3) in [0, 1], clipped."""
        return np.clip(self.tiled(image), 0.0, 1.0)

    def with_features(self, image, features):
        """Enhances an image with given global features instead of its own, clipped."""
        return np.clip(self.tiled(image, features), 0.0, 1.0)
