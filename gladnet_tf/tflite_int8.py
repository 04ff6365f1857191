"""The int8 TFLite variant: int8 weights, activations quantised on the fly (dynamic range), with
the one change that keeps it within 40 dB of float32 on real dark photos.

Plain dynamic-range int8 loses most in `conv2d_12`, the first conv of the detail branch: part
of its input is the dark photo itself, and the kernel quantises each input per tensor, so the
few bright pixels (lamps, windows) set the int8 step and the dark majority falls into one or
two steps. Measured on bench/int8.py's photos (shipped weights, 384x512): keeping `conv2d_12`
float lifts the worst photo from 39.8 to 48.0 dB but costs a quarter of the speed-up (2.3-2.4x
instead of 3.2x). Here `conv2d_12` is split into its two parts, equal in float (conv of a
concat = sum of convs):

    conv2d_12(concat(features, image)) = conv2d_12_features(features) + conv2d_12_image(image)

and only `conv2d_12_image` (3 input channels, under 1 % of the multiply-adds) keeps float
weights, so the photo reaches it unquantised. This touches the exported graph only; the Keras
model stays the paper's.
"""
import keras
import numpy as np
from tensorflow.lite.python import schema_py_generated as schema

from gladnet_tf import tflite_model
from gladnet_tf.inference import DETAIL_LAYERS

FLOAT_LAYER = "conv2d_12_image"


def split_first_conv(model, features, image):
    """conv2d_12 of `model` on concat(features, image), as a conv of the features plus a conv of
    the photo (no bias), then ReLU: equal in float."""
    kernel, bias = model.get_layer("conv2d_12").get_weights()
    channels = features.shape[-1]
    on_features = keras.layers.Conv2D(kernel.shape[-1], 3, padding="same", name="conv2d_12_features")
    on_image = keras.layers.Conv2D(kernel.shape[-1], 3, padding="same", use_bias=False, name=FLOAT_LAYER)
    x = keras.layers.Add(name="conv2d_12_sum")([on_features(features), on_image(image)])
    on_features.set_weights([kernel[:, :, :channels], bias])
    on_image.set_weights([kernel[:, :, channels:]])
    return keras.layers.ReLU(name="conv2d_12_relu")(x)


def split_image_conv(model):
    """The same network with `concat` + `conv2d_12` split by `split_first_conv`: equal in float."""
    x = split_first_conv(model, *model.get_layer("concat").input)
    for name in DETAIL_LAYERS[1:]:
        x = model.get_layer(name)(x)
    return keras.Model(model.input, x, name="gladnet_int8")


def keep_weights_float(content, marker):
    """The .tflite bytes with the int8 weights of every conv whose output tensor's name holds
    `marker` turned back into float32 (int8 value x its channel's scale): TFLite then runs
    that conv in float."""
    model = tflite_model.read(content)
    changed = 0
    for graph in model.subgraphs:
        for op in graph.operators:
            if tflite_model.op_type(model, op) != "CONV_2D":
                continue
            if marker not in graph.tensors[op.outputs[0]].name.decode():
                continue
            weights = graph.tensors[op.inputs[1]]
            if weights.type != schema.TensorType.INT8:
                continue
            values = np.frombuffer(bytes(model.buffers[weights.buffer].data), np.int8)
            values = values.reshape(weights.shape).astype(np.float32)
            scale = np.asarray(weights.quantization.scale, np.float32).reshape((-1,) + (1,) * (values.ndim - 1))
            model.buffers[weights.buffer].data = np.frombuffer((values * scale).tobytes(), np.uint8)
            weights.type, weights.quantization = schema.TensorType.FLOAT32, None
            changed += 1
    if not changed:
        raise ValueError(f"no int8 CONV_2D weights found for {marker!r}")
    return tflite_model.to_bytes(model)
