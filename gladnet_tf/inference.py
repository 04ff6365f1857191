"""Load a GLADNet for inference (shipped or given weights, float32 or bfloat16) and run it on
images of any size with exact tiling.

Tiling is exact because of how the network is built. The global branch only sees the image
resized to 96x96, and its output is resized back with TF1 nearest neighbour, so the global features
of any pixel are a pure function of its coordinates: they are computed once for the whole image and
gathered per tile. The detail branch is five 3x3 "same" convolutions: a tile padded with a halo of
5 pixels of real neighbours gives the same centre as the whole image (at image borders the tile
ends where the image does, so the zero padding is the same too). A wider halo of real neighbours
changes nothing either, so tiles may be widened to the widths the CPU runs fastest
(`cpu.width_multiple`).
"""
import functools
import math
import os

import keras
import numpy as np
import tensorflow as tf

from gladnet_tf import cpu
from gladnet_tf.model import GLOBAL_SIZE, build_gladnet

SHIPPED_WEIGHTS = os.path.join(os.path.dirname(__file__), "weights", "gladnet.weights.h5")
PRECISIONS = ("float32", "bfloat16")
DETAIL_LAYERS = ("conv2d_12", "conv2d_13", "conv2d_14", "conv2d_15", "conv2d_16")
HALO = len(DETAIL_LAYERS)  # one pixel per 3x3 conv
# Estimated peak bytes per tile pixel of the detail branch: input + output of a 128-channel conv
# at 4 bytes (1 KB), plus the 67-channel concat and oneDNN's reorders and workspace. With the
# default budget, bench/memory.py measures a 24 MP photo at 1736 MiB peak RSS in all.
BYTES_PER_TILE_PIXEL = 3072
DEFAULT_MEMORY_MB = 512


def shipped_weights():
    """Path of the weights shipped in the package, or None while none are shipped."""
    return SHIPPED_WEIGHTS if os.path.exists(SHIPPED_WEIGHTS) else None


def tile_size_for(memory_mb, precision="float32"):
    """Largest tile side whose detail-branch activations fit in `memory_mb`."""
    per_pixel = BYTES_PER_TILE_PIXEL // (2 if precision == "bfloat16" else 1)
    return max(64, int(math.sqrt(memory_mb * 2**20 / per_pixel)) - 2 * HALO)


@functools.lru_cache(maxsize=64)
def source_indices(size, out_size):
    """The source index (< `size`) that TF1's nearest resize reads for each of `out_size` outputs,
    obtained from the resize op itself, so it matches bit for bit."""
    ramp = tf.reshape(tf.range(size, dtype=tf.float32), (1, size, 1, 1))
    resized = tf.raw_ops.ResizeNearestNeighbor(images=ramp, size=[out_size, 1],
                                               align_corners=False, half_pixel_centers=False)
    return tf.cast(tf.reshape(resized, (-1,)), tf.int32)


def global_sample(image):
    """What the global branch sees of an image: its 96x96 nearest sample, gathered with the
    resize op's own indices, so the whole image never has to be copied into a tensor."""
    height, width = image.shape[:2]
    return image[source_indices(height, GLOBAL_SIZE).numpy()][:, source_indices(width, GLOBAL_SIZE).numpy()]


def spans(length, tile, multiple=1):
    """(start, stop, from, to) of each tile along an axis of `length` pixels: cores of at most
    `tile` pixels, split evenly, each read with its halo, widened where the axis allows to a multiple
    of `multiple` pixels (more real neighbours; never past the tile plus its halo)."""
    if length <= tile and (length % multiple == 0 or length < 2 * multiple):
        return [(0, length, 0, length)]
    core = max(1, tile - multiple + 1)
    count = max(2, -(-length // core))  # two tiles of fast widths beat one of a slow width
    bounds = [round(i * length / count) for i in range(count + 1)]
    result = []
    for start, stop in zip(bounds, bounds[1:]):
        lo, hi = max(0, start - HALO), min(length, stop + HALO)
        size = -(-(hi - lo) // multiple) * multiple
        if size <= length:
            hi = min(length, lo + size)
            lo = hi - size
        result.append((start, stop, lo, hi))
    return result


class Enhancer:
    """A GLADNet with loaded weights in float32 or bfloat16, traced once for any image size."""

    def __init__(self, weights=None, precision="float32", memory_mb=DEFAULT_MEMORY_MB, width_multiple=None):
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r}: expected one of {', '.join(PRECISIONS)}")
        self.model = build_gladnet(dtype=precision)
        self.weights = weights
        if weights is not None:
            self.model.load_weights(weights)
        self.tile = tile_size_for(memory_mb, precision)
        self.width_multiple = width_multiple or cpu.width_multiple(precision)
        self.dtype = self.model.dtype
        global_model = keras.Model(self.model.input, self.model.get_layer("conv2d_11").output)
        features = keras.Input((None, None, 64), dtype=precision)
        image = keras.Input((None, None, 3), dtype=precision)
        x = self.model.get_layer("concat")([features, image])
        for name in DETAIL_LAYERS:
            x = self.model.get_layer(name)(x)
        detail_model = keras.Model([features, image], x)
        spec = lambda channels: tf.TensorSpec((None, None, None, channels), tf.float32)  # noqa: E731
        self._whole = tf.function(self._cast_call(self.model), input_signature=[spec(3)])
        self._global = tf.function(self._cast_call(global_model), input_signature=[spec(3)])
        self._detail = tf.function(lambda f, x: tf.cast(detail_model([f, tf.cast(x, self.dtype)]), tf.float32),
                                   input_signature=[tf.TensorSpec((None, None, None, 64), self.dtype), spec(3)])

    def _cast_call(self, model):
        return lambda x: tf.cast(model(tf.cast(x, self.dtype)), tf.float32)

    def __call__(self, image):
        """Enhances one float32 RGB image (H, W, 3) in [0, 1]; returns the same shape, clipped.
        Images larger than one tile, or of a slow width, run tiled (exactly equal, see the module
        docstring)."""
        height, width = image.shape[:2]
        if len(spans(height, self.tile)) == 1 and len(spans(width, self.tile, self.width_multiple)) == 1:
            output = self._whole(tf.convert_to_tensor(image[np.newaxis], tf.float32))[0].numpy()
        else:
            output = self.tiled(image, self.tile)
        return np.clip(output, 0.0, 1.0, out=output)

    def global_features(self, image):
        """The global branch's 64 illumination maps (96, 96, 64) of an image (H, W, 3): where
        GLADNet decides brightness."""
        return self._global(global_sample(image)[np.newaxis])[0]

    def tiled(self, image, tile, features=None):
        """The model's output computed tile by tile (float32, not clipped); `features` (from
        `global_features`, possibly of other frames) replace the image's own."""
        height, width = image.shape[:2]
        if features is None:
            features = self.global_features(image)
        features = tf.cast(features, self.dtype)
        rows, cols = source_indices(GLOBAL_SIZE, height), source_indices(GLOBAL_SIZE, width)
        output = np.empty((height, width, 3), np.float32)
        for y0, y1, ya, yb in spans(height, tile):
            for x0, x1, xa, xb in spans(width, tile, self.width_multiple):
                tile_features = tf.gather(tf.gather(features, rows[ya:yb], axis=0), cols[xa:xb], axis=1)
                result = self._detail(tile_features[tf.newaxis], image[np.newaxis, ya:yb, xa:xb])[0]
                output[y0:y1, x0:x1] = result[y0 - ya:y1 - ya, x0 - xa:x1 - xa].numpy()
        return output

    def with_features(self, image, features):
        """Enhances an image (H, W, 3) with given global features instead of its own (video:
        features held steady over frames); clipped like `__call__`."""
        return np.clip(self.tiled(image, self.tile, features), 0.0, 1.0)
