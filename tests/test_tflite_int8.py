"""The int8 TFLite variant: the split graph equals the paper's in float, only the photo's conv
keeps float weights, and on a real dark photo it stays >= 40 dB from float32 (plain dynamic
range: 39.8 dB on the worst photo of bench/int8.py)."""
import os

import cv2
import numpy as np
import pytest
from tensorflow.lite.python import schema_py_generated as schema

from conftest import run_tflite
from gladnet_tf import export, imageio, tflite_int8, tflite_model
from gladnet_tf.inference import shipped_weights
from gladnet_tf.model import build_gladnet

SAMPLE = os.path.join(os.path.dirname(__file__), "..", "samples", "sice_1489.jpg")


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


def test_int8_stays_within_40_db_of_float32_on_a_real_dark_photo(shipped, photo):
    size = photo.shape[1:3]
    reference = run(export.convert_tflite(shipped, "fp32", size), photo)
    psnr = lambda out: 10 * np.log10(255 ** 2 / np.mean((out - reference) ** 2))  # noqa: E731
    shipped_int8 = psnr(run(export.convert_tflite(shipped, "int8", size), photo))
    assert shipped_int8 >= 40, shipped_int8
