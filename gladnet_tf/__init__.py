"""GLADNet low-light enhancement for TensorFlow 2 / Keras."""

__version__ = "0.1.0"
__all__ = ["build_gladnet"]


def __getattr__(name):
    # Lazy, so that the TensorFlow-free modules (synthesis, jax_model, jax_train) import without it.
    if name == "build_gladnet":
        from gladnet_tf.model import build_gladnet
        return build_gladnet
    raise AttributeError(f"module 'gladnet_tf' has no attribute {name!r}")
