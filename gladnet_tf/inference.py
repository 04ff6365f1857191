"""Load a GLADNet for inference (shipped or given weights, float32 or bfloat16) and run it."""
import os

import numpy as np
import tensorflow as tf

from gladnet_tf.model import build_gladnet

SHIPPED_WEIGHTS = os.path.join(os.path.dirname(__file__), "weights", "gladnet.weights.h5")
PRECISIONS = ("float32", "bfloat16")


def shipped_weights():
    """Path of the weights shipped in the package, or None while none are shipped."""
    return SHIPPED_WEIGHTS if os.path.exists(SHIPPED_WEIGHTS) else None


class Enhancer:
    """A GLADNet with loaded weights in float32 or bfloat16, traced once for any image size."""

    def __init__(self, weights=None, precision="float32"):
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r}: expected one of {', '.join(PRECISIONS)}")
        self.model = build_gladnet(dtype=precision)
        self.weights = weights
        if weights is not None:
            self.model.load_weights(weights)
        self._run = tf.function(self._forward, reduce_retracing=True,
                                input_signature=[tf.TensorSpec((None, None, None, 3), tf.float32)])

    def _forward(self, batch):
        return tf.cast(self.model(tf.cast(batch, self.model.dtype)), tf.float32)

    def __call__(self, image):
        """Enhances one float32 RGB image (H, W, 3) in [0, 1]; returns the same shape, clipped."""
        output = self._run(tf.convert_to_tensor(image[np.newaxis], tf.float32))[0]
        return np.clip(output.numpy(), 0.0, 1.0)
