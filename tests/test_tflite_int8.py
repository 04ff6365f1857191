"""The int8 TFLite variant: the split graph equals the paper's in float, only the photo's conv
keeps float weights, and on a real dark photo it stays >= 45 dB from float32, where plain dynamic
range int8 falls to 34 dB."""
import os
import tempfile

import cv2
import numpy as np
import pytest
import tensorflow as tf
from tensorflow.lite.python import schema_py_generated as schema

from conftest import run_tflite
from gladnet_tf import export, imageio, tflite_int8, tflite_model
from gladnet_tf.inference import shipped_weights
from gladnet_tf.model import build_gladnet

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "samples", "sice_1167.jpg")  # with MX3: plain int8 34.4 dB, split 48.3


@pytest.fixture(scope="module")
def shipped():
    model = build_gladnet()
    model.load_weights(shipped_weights())
    return model


@pytest.fixture(scope="module")
def photo():
    image = imageio.read_image(SAMPLE)[0]
    return cv2.resize(image, (192, 128), interpolation=cv2.INTER_AREA)[np.newaxis].astype(np.float32)


def run(content, image):
    return np.round(np.clip(run_tflite(content, image), 0, 1) * 255)


def test_split_graph_equals_the_paper_graph(shipped, photo):
    split = tflite_int8.split_image_conv(shipped)
    np.testing.assert_allclose(split(photo).numpy(), shipped(photo).numpy(), rtol=0, atol=2e-6)
    assert split.get_layer("conv2d_12_image").kernel.shape == (3, 3, 3, 128)


def test_only_the_photo_conv_keeps_float_weights(shipped):
    content = export.convert_tflite(shipped, "int8", (64, 96))
    model = tflite_model.read(content)
    graph = model.subgraphs[0]
    kinds = {}
    for op in graph.operators:
        if tflite_model.op_type(model, op) == "CONV_2D":
            kinds[graph.tensors[op.outputs[0]].name.decode()] = graph.tensors[op.inputs[1]].type
    floats = [name for name, kind in kinds.items() if kind == schema.TensorType.FLOAT32]
    assert len(kinds) == 18 and len(floats) == 1 and tflite_int8.FLOAT_LAYER in floats[0]
    assert sum(kind == schema.TensorType.INT8 for kind in kinds.values()) == 17
    with pytest.raises(ValueError, match="no int8 CONV_2D weights"):
        tflite_int8.keep_weights_float(content, "no_such_layer")


def plain_int8(model, size):
    """Dynamic-range int8 of the paper's graph as TFLite converts it, without the split."""
    spec = tf.TensorSpec((1, *size, 3), tf.float32, name="images")
    with tempfile.TemporaryDirectory() as saved:
        model.export(saved, format="tf_saved_model", input_signature=[spec], verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        return converter.convert()


def test_int8_stays_within_45_db_of_float32_where_plain_int8_does_not(shipped, photo):
    size = photo.shape[1:3]
    reference = run(export.convert_tflite(shipped, "fp32", size), photo)
    psnr = lambda out: 10 * np.log10(255 ** 2 / np.mean((out - reference) ** 2))  # noqa: E731
    shipped_int8 = psnr(run(export.convert_tflite(shipped, "int8", size), photo))
    plain = psnr(run(plain_int8(shipped, size), photo))
    assert plain < 45, plain  # the check has teeth: without the split, int8 fails it
    assert shipped_int8 >= 45, shipped_int8
