"""GLADNet low-light enhancement for TensorFlow 2 / Keras."""
from gladnet_tf.model import build_gladnet

__version__ = "0.1.0"
__all__ = ["build_gladnet"]
