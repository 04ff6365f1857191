"""GLADNet as a Keras functional model that mirrors the authors' TF1 `FG` scope.

Layer names follow the original graph (`conv2d` ... `conv2d_16`, `resize_nearest_neighbor` ... `_7`,
`add` ... `add_4`, `concat`), so variables map one for one: `FG/conv2d_k/kernel` <-> layer `conv2d_k`. Two branches:

* global illumination: the input is resized (nearest) to 96x96, encoded by six stride-2 convs
  (96->48->24->12->6->3->2) and decoded by six resize-convs with skip adds back to 96x96, then
  resized to the input size;
* detail reconstruction: concat [64 global features, input] -> four conv128 -> conv3, all ReLU.

All nearest-neighbour resizes use TF1 semantics (`align_corners=False, half_pixel_centers=False`):
`tf.image.resize` in TF2 samples at half-pixel centres and gives different pixels.
"""
import keras
import tensorflow as tf

from gladnet_tf import strip_gradient

GLOBAL_SIZE = 96
FEATURES = 64
DETAIL_FEATURES = 128


@keras.saving.register_keras_serializable(package="gladnet_tf")
class ResizeNearestTF1(keras.layers.Layer):
    """Nearest-neighbour resize exactly as TF1's `tf.image.resize_nearest_neighbor`.

    Called on one tensor with a fixed `size`, or on `[x, like]` to resize `x` to the height and
    width of `like` (the last resize of the global branch, back to the input size).
    """

    def __init__(self, size=None, **kwargs):
        super().__init__(**kwargs)
        self.size = tuple(size) if size is not None else None

    def call(self, inputs):
        if self.size is None:
            x, like = inputs
            size = tf.shape(like)[1:3]
        else:
            x, size = inputs, tf.constant(self.size, tf.int32)
        return tf.raw_ops.ResizeNearestNeighbor(
            images=x, size=size, align_corners=False, half_pixel_centers=False)

    def compute_output_shape(self, input_shape):
        if self.size is None:
            x_shape, like_shape = input_shape
            return (x_shape[0], like_shape[1], like_shape[2], x_shape[3])
        return (input_shape[0], *self.size, input_shape[3])

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def _tf1_name(base, index):
    """TF1's op naming: `conv2d`, `conv2d_1`, `conv2d_2`, ..."""
    return base if index == 0 else f"{base}_{index}"


def build_gladnet(name="gladnet", dtype=None, gradient_strip_rows=None):
    """Builds GLADNet: RGB in [0, 1], shape (batch, H, W, 3) -> same shape.

    `dtype` (e.g. "bfloat16") sets the variables' and computation's type of every layer; by default
    the global Keras dtype policy applies (float32, or mixed precision when set).
    `gradient_strip_rows` (training only): compute the full-resolution convs' kernel gradients on
    strips of at most this many rows (see strip_gradient.py); same outputs and weights either way.
    """

    def conv(filters, strides, index, layer=keras.layers.Conv2D, **kwargs):
        return layer(filters, 3, strides, padding="same", activation="relu",
                     name=_tf1_name("conv2d", index), dtype=dtype, **kwargs)

    def detail_conv(filters, index):
        if gradient_strip_rows is None:
            return conv(filters, 1, index)
        return conv(filters, 1, index, strip_gradient.Conv2D, strip_rows=gradient_strip_rows)

    def resize(index, size=None):
        return ResizeNearestTF1(size, name=_tf1_name("resize_nearest_neighbor", index), dtype=dtype)

    input_low = keras.Input((None, None, 3), name="input_low", dtype=dtype)
    x = resize(0, (GLOBAL_SIZE, GLOBAL_SIZE))(input_low)

    encoder = []
    for i in range(6):  # conv2d .. conv2d_5: 96 -> 48 -> 24 -> 12 -> 6 -> 3 -> 2
        x = conv(FEATURES, 2, i)(x)
        encoder.append(x)

    # Resize-convs conv2d_6 .. conv2d_11. The paper says "stride 2", but the authors' code and
    # graph use stride 1: each conv follows a resize that already sets the target size (3, 6, ...
    # 96), and a stride-2 conv would halve it again so the skip adds could not line up.
    for i, size in enumerate((3, 6, 12, 24, 48, 96)):
        x = resize(1 + i, (size, size))(x)
        x = conv(FEATURES, 1, 6 + i)(x)
        if i < 5:
            x = keras.layers.Add(name=_tf1_name("add", i), dtype=dtype)([x, encoder[4 - i]])

    global_features = resize(7)([x, input_low])
    x = keras.layers.Concatenate(axis=3, name="concat", dtype=dtype)([global_features, input_low])
    for i in range(4):  # conv2d_12 .. conv2d_15
        x = detail_conv(DETAIL_FEATURES, 12 + i)(x)
    output = detail_conv(3, 16)(x)
    return keras.Model(input_low, output, name=name)


CONV_LAYERS = tuple(_tf1_name("conv2d", i) for i in range(17))
