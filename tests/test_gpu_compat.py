"""The GPU-delegate check: it flags what the delegate cannot take, and every fixed-size export
passes it (docs/android.md's advice), while the dynamic-size ones name what stays on the CPU."""
import os

import numpy as np
import pytest
import tensorflow as tf

from tensorflow.lite.python import schema_py_generated as schema

from gladnet_tf import export, gpu_compat, tflite_model
from gladnet_tf.model import build_gladnet

SAMPLES = os.path.join(os.path.dirname(__file__), "..", "samples")


def tflite_of(function, *specs):
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [tf.function(function).get_concrete_function(*specs)])
    return converter.convert()


def test_supported_ops_pass_and_unsupported_ones_are_named():
    image = tf.TensorSpec((1, 8, 8, 3), tf.float32)
    kernel = tf.constant(np.ones((3, 3, 3, 4), np.float32))
    conv = tflite_of(lambda x: tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME")) + 1.0, image)
    assert gpu_compat.problems(conv) == []
    assert gpu_compat.verdict(conv) == "GPU delegate: takes every op"

    unique = tflite_of(lambda x: tf.unique(x)[0], tf.TensorSpec((5,), tf.float32))
    assert any("UNIQUE: not supported" in line for line in gpu_compat.problems(unique))

    def resize_to_runtime_size(x, size):
        return tf.compat.v1.image.resize_nearest_neighbor(x, size)
    resize = tflite_of(resize_to_runtime_size, image, tf.TensorSpec((2,), tf.int32))
    assert any("RESIZE_NEAREST_NEIGHBOR: 2 runtime inputs" in line for line in gpu_compat.problems(resize))

    dynamic = tflite_of(lambda x: x * 2.0, tf.TensorSpec((1, None, None, 3), tf.float32))
    assert gpu_compat.verdict(dynamic).endswith("dynamic shapes (export with --fixed_size for the GPU)")


def with_fused_activation(content, activation):
    """The model with every CONV_2D's fused activation set to `activation`."""
    model = tflite_model.read(content)
    for op in model.subgraphs[0].operators:
        if tflite_model.op_type(model, op) == "CONV_2D":
            op.builtinOptions.fusedActivationFunction = activation
    return tflite_model.to_bytes(model)


# From the delegate's own source (delegates/gpu/common/model_builder.cc, IsActivationSupported):
# None, Relu, Relu1 (ReluN1To1), Relu6 and Tanh are taken; SignBit and Sigmoid are
# "UnimplementedError".
ACTIVATIONS = schema.ActivationFunctionType
DELEGATE_TAKES = [ACTIVATIONS.NONE, ACTIVATIONS.RELU, ACTIVATIONS.RELU_N1_TO_1, ACTIVATIONS.RELU6,
                  ACTIVATIONS.TANH]
DELEGATE_REJECTS = [ACTIVATIONS.SIGN_BIT]


@pytest.mark.parametrize("activation", DELEGATE_TAKES + DELEGATE_REJECTS)
def test_fused_activations_are_judged_as_the_delegate_source_does(activation):
    image = tf.TensorSpec((1, 8, 8, 3), tf.float32)
    kernel = tf.constant(np.ones((3, 3, 3, 4), np.float32))
    conv = tflite_of(lambda x: tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME")), image)
    found = gpu_compat.problems(with_fused_activation(conv, activation))
    if activation in DELEGATE_TAKES:
        assert found == []
    else:
        assert any("CONV_2D: fused activation" in line for line in found), found


def test_more_than_four_dimensions_is_rejected():
    five = tflite_of(lambda x: x * 2.0 + x, tf.TensorSpec((1, 2, 3, 4, 5), tf.float32))
    assert any("dimensions" in line for line in gpu_compat.problems(five)), gpu_compat.problems(five)


@pytest.fixture(scope="module")
def model(random_weights):
    model = build_gladnet()
    model.load_weights(random_weights)
    return model


@pytest.mark.parametrize("variant", ["fp32", "fp16", "int8", "int8_full"])
def test_every_fixed_size_export_passes_the_delegate_rules(model, variant):
    content = export.convert_tflite(model, variant, (48, 64), SAMPLES if variant == "int8_full" else None)
    assert gpu_compat.problems(content) == []
    assert {"CONV_2D", "RESIZE_NEAREST_NEIGHBOR", "ADD"} <= set(gpu_compat.op_names(content))


@pytest.mark.parametrize("variant", ["fp32", "fp16", "int8"])
def test_dynamic_size_exports_name_what_stays_on_the_cpu(model, variant):
    content = export.convert_tflite(model, variant)
    assert gpu_compat.verdict(content) == ("GPU delegate: leaves RESIZE_NEAREST_NEIGHBOR, SHAPE, SLICE "
                                           "to the CPU; dynamic shapes (export with --fixed_size for the GPU)")


def test_cli_exit_status(tmp_path, model, capsys):
    fixed, dynamic = tmp_path / "fixed.tflite", tmp_path / "dynamic.tflite"
    fixed.write_bytes(export.convert_tflite(model, "fp32", (32, 32)))
    dynamic.write_bytes(export.convert_tflite(model, "fp32"))
    assert gpu_compat.main([str(fixed)]) == 0
    assert gpu_compat.main([str(fixed), str(dynamic)]) == 1
    printed = capsys.readouterr().out
    assert f"{fixed}: ops " in printed and "takes every op" in printed and "RESIZE_NEAREST_NEIGHBOR: 2 runtime inputs" in printed
