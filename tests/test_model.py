"""Model invariants that need no oracle: TF1 resize semantics, shapes, names, save/load."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from gladnet_tf.model import CONV_LAYERS, ResizeNearestTF1, build_gladnet


def test_resize_uses_tf1_nearest_indices():
    # TF1 (half_pixel_centers=False) takes source index floor(i * in / out).
    x = tf.reshape(tf.range(5, dtype=tf.float32), (1, 1, 5, 1))
    out = ResizeNearestTF1((1, 3))(x).numpy().ravel()
    np.testing.assert_array_equal(out, [0, 1, 3])
    out = ResizeNearestTF1((1, 8))(x).numpy().ravel()
    np.testing.assert_array_equal(out, np.floor(np.arange(8) * 5 / 8))


def test_resize_differs_from_tf2_resize():
    x = tf.reshape(tf.range(5, dtype=tf.float32), (1, 1, 5, 1))
    tf2 = tf.image.resize(x, (1, 3), method="nearest").numpy().ravel()
    assert not np.array_equal(ResizeNearestTF1((1, 3))(x).numpy().ravel(), tf2)


def test_resize_to_like_tensor():
    x = tf.random.uniform((2, 4, 4, 7))
    like = tf.zeros((2, 9, 13, 3))
    assert ResizeNearestTF1()([x, like]).shape == (2, 9, 13, 7)


def test_layer_names_mirror_original_graph():
    model = build_gladnet()
    names = [layer.name for layer in model.layers]
    assert [n for n in names if n.startswith("conv2d")] == list(CONV_LAYERS)
    assert model.get_layer("conv2d_12").kernel.shape == (3, 3, 67, 128)
    assert model.get_layer("conv2d_5").strides == (2, 2)
    assert all(model.get_layer(f"conv2d_{i}").strides == (1, 1) for i in range(6, 17))
    assert model.count_params() == 931_523


@pytest.mark.parametrize("shape", [(1, 1, 1, 3), (1, 37, 101, 3), (3, 64, 48, 3)])
def test_output_shape_matches_input(shape):
    model = build_gladnet()
    assert model(np.zeros(shape, np.float32)).shape == shape


def test_keras_file_round_trip_without_custom_objects(tmp_path):
    model = build_gladnet()
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(0, 0.05, w.shape).astype(np.float32) for w in model.get_weights()])
    assert all(np.abs(w).max() > 0 for w in model.get_weights())  # biases too: dropping them shows
    x = rng.uniform(size=(1, 50, 70, 3)).astype(np.float32)
    path = str(tmp_path / "gladnet.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_array_equal(model(x).numpy(), restored(x).numpy())
