import keras
import numpy as np
import pytest
import tensorflow as tf

from gladnet_tf.model import build_gladnet
from gladnet_tf import cpu, strip_gradient, trainer


def _gradients(layer, x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        # Channel-dependent weights so every output channel gets a different gradient.
        loss = tf.reduce_sum(layer(x) * tf.range(1, layer.filters + 1, dtype=x.dtype))
    return tape.gradient(loss, [x, *layer.trainable_variables])


@pytest.mark.parametrize("shape, strip_rows", [
    ((2, 197, 203, 5), 16),  # 13 strips of 16 rows: the last padded
    ((1, 256, 150, 3), 32),  # strips divide the image exactly
    ((1, 190, 190, 4), 16),  # below MIN_PIXELS: the plain convolution
    ((1, 16, 3000, 2), 16),  # one strip: the plain convolution
])
def test_gradients_equal_the_plain_convolution(shape, strip_rows):
    x = tf.constant(np.random.default_rng(0).normal(size=shape).astype(np.float32))
    plain = keras.layers.Conv2D(4, 3, padding="same", activation="relu")
    strips = strip_gradient.Conv2D(4, 3, padding="same", activation="relu", strip_rows=strip_rows)
    plain.build(x.shape)
    strips.build(x.shape)
    strips.set_weights(plain.get_weights())
    np.testing.assert_array_equal(strips(x).numpy(), plain(x).numpy())
    for name, expected, got in zip(("input", "kernel", "bias"), _gradients(plain, x),
                                   _gradients(strips, x)):
        scale = float(tf.reduce_max(tf.abs(expected)))
        assert scale > 0, name
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=0, atol=1e-5 * scale,
                                   err_msg=name)


def test_training_model_differs_only_in_the_gradient(random_weights, tmp_path):
    training = build_gladnet(gradient_strip_rows=16)
    training.load_weights(random_weights)
    assert isinstance(training.get_layer("conv2d_12"), strip_gradient.Conv2D)
    saved = str(tmp_path / "training.weights.h5")
    training.save_weights(saved)
    model = build_gladnet()
    model.load_weights(saved)  # weights written by the training model load into the plain one
    x = np.random.default_rng(1).uniform(size=(1, 40, 33, 3)).astype(np.float32)
    np.testing.assert_allclose(training(x).numpy(), model(x).numpy(), rtol=0, atol=1e-6)


def test_training_model_gradients_equal_the_plain_model(random_weights):
    rng = np.random.default_rng(2)
    high = rng.uniform(size=(2, 200, 196, 3)).astype(np.float32)
    low = high * np.float32(0.3)
    gradients = []
    for model in (build_gladnet(), build_gladnet(gradient_strip_rows=24)):
        model.load_weights(random_weights)
        with tf.GradientTape() as tape:
            loss = trainer.weighted_l1_loss(model(low), high)
        gradients.append(tape.gradient(loss, model.trainable_variables))
    for variable, expected, got in zip(model.trainable_variables, *gradients):
        scale = float(tf.reduce_max(tf.abs(expected)))
        assert scale > 0, variable.path
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=0, atol=1e-5 * scale,
                                   err_msg=variable.path)


def test_keras_round_trip(tmp_path):
    model = build_gladnet(gradient_strip_rows=32)
    path = str(tmp_path / "training.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_layer("conv2d_16").strip_rows == 32


def test_rejects_other_convolutions():
    with pytest.raises(ValueError, match="only 3x3, stride 1"):
        strip_gradient.Conv2D(4, 3, strides=2, padding="same")


def test_the_trainer_uses_strip_gradients(tmp_path):
    run = trainer.Trainer(str(tmp_path), tf.distribute.get_strategy())
    assert isinstance(run.model.get_layer("conv2d_12"), strip_gradient.Conv2D)
    assert run.model.get_layer("conv2d_16").strip_rows == strip_gradient.STRIP_ROWS


def test_bfloat16_on_amx_keeps_the_plain_kernel_gradient(tmp_path, monkeypatch):
    assert not cpu.strip_gradient_pays("mixed_bfloat16", frozenset({"amx_bf16", "avx512_bf16"}))
    assert cpu.strip_gradient_pays("mixed_bfloat16", frozenset({"avx512_bf16"}))
    assert cpu.strip_gradient_pays("float32", frozenset({"amx_bf16", "avx512_bf16"}))
    monkeypatch.setattr(cpu, "cpu_flags", lambda: frozenset({"amx_bf16", "avx512_bf16"}))
    run = trainer.Trainer(str(tmp_path), tf.distribute.get_strategy(), precision="mixed_bfloat16")
    keras.mixed_precision.set_global_policy("float32")
    conv = run.model.get_layer("conv2d_12")
    assert not isinstance(conv, strip_gradient.Conv2D) and isinstance(conv, keras.layers.Conv2D)
