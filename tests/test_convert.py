"""TF1 checkpoint -> Keras weights: values by name, clear one-line errors."""
import numpy as np
import pytest
import tensorflow as tf

from conftest import ORACLE_SEED
from gladnet_tf import convert
from gladnet_tf.model import build_gladnet
from gladnet_tf.reference import OriginalGraph


@pytest.fixture(scope="module")
def tf1_checkpoint(oracle_meta, tmp_path_factory):
    oracle = OriginalGraph(oracle_meta, seed=ORACLE_SEED)
    prefix = oracle.save(str(tmp_path_factory.mktemp("tf1") / "GLADNet"))
    return oracle, prefix


def test_converted_weights_reproduce_original(tf1_checkpoint, tmp_path):
    oracle, prefix = tf1_checkpoint
    output = tmp_path / "gladnet.weights.h5"
    convert.main(["--checkpoint", prefix, "--output", str(output)])
    model = build_gladnet()
    model.load_weights(str(output))
    low = np.random.default_rng(0).uniform(size=(1, 123, 77, 3)).astype(np.float32)
    np.testing.assert_allclose(model(low).numpy(), oracle.enhance(low), rtol=0, atol=1e-5)


def test_checkpoint_folder_is_accepted(tf1_checkpoint):
    oracle, prefix = tf1_checkpoint
    model = convert.load_tf1_checkpoint(build_gladnet(), str(tf.io.gfile.join(prefix, "..")))
    np.testing.assert_array_equal(model.get_layer("conv2d_7").bias.numpy(),
                                  oracle.weights()["FG/conv2d_7/bias"])


def _write_checkpoint(path, variables):
    checkpoint = tf.train.Checkpoint(**{f"v{i}": tf.Variable(v) for i, v in enumerate(variables)})
    return checkpoint.write(str(path))


def test_missing_variable_is_one_line_error(tf1_checkpoint, tmp_path, capsys):
    prefix = _write_checkpoint(tmp_path / "other", [np.zeros(3, np.float32)])
    with pytest.raises(SystemExit) as exit_info:
        convert.main(["--checkpoint", prefix, "--output", str(tmp_path / "x.weights.h5")])
    message = str(exit_info.value)
    assert "FG/conv2d/kernel is missing" in message and "\n" not in message
    assert not (tmp_path / "x.weights.h5").exists()


def test_misshaped_variable_is_reported(tmp_path):
    graph = tf.Graph()
    with graph.as_default():
        for i in range(17):
            name = "conv2d" if i == 0 else f"conv2d_{i}"
            tf.compat.v1.get_variable(f"FG/{name}/kernel", (3, 3, 4, 4))
            tf.compat.v1.get_variable(f"FG/{name}/bias", (4,))
        saver = tf.compat.v1.train.Saver()
        with tf.compat.v1.Session() as session:
            session.run(tf.compat.v1.global_variables_initializer())
            prefix = saver.save(session, str(tmp_path / "bad"))
    with pytest.raises(convert.ConversionError, match=r"FG/conv2d/kernel has shape \(3, 3, 4, 4\)"):
        convert.load_tf1_checkpoint(build_gladnet(), prefix)


def test_unreadable_checkpoint_and_existing_output(tmp_path, tf1_checkpoint):
    with pytest.raises(SystemExit, match="not a readable TF1 checkpoint"):
        convert.main(["--checkpoint", str(tmp_path / "nothing"), "--output", str(tmp_path / "a.weights.h5")])
    existing = tmp_path / "b.weights.h5"
    existing.write_bytes(b"keep")
    with pytest.raises(SystemExit, match="exists"):
        convert.main(["--checkpoint", tf1_checkpoint[1], "--output", str(existing)])
    assert existing.read_bytes() == b"keep"


def test_keras_weights_to_npz_and_back(tf1_checkpoint, tmp_path):
    """Keras weights -> TF1-named .npz (jax_train's --init_params) -> Keras, unchanged."""
    oracle, prefix = tf1_checkpoint
    keras_weights, npz = tmp_path / "a.weights.h5", tmp_path / "start.npz"
    convert.main(["--checkpoint", prefix, "--output", str(keras_weights)])
    convert.main(["--checkpoint", str(keras_weights), "--output", str(npz)])
    with np.load(npz) as data:
        assert sorted(data.files) == sorted(oracle.weights())
        for name, value in oracle.weights().items():
            np.testing.assert_array_equal(data[name], value)
    convert.main(["--checkpoint", str(npz), "--output", str(tmp_path / "b.weights.h5")])
    model = build_gladnet()
    model.load_weights(str(tmp_path / "b.weights.h5"))
    np.testing.assert_array_equal(model.get_layer("conv2d_16").kernel.numpy(), oracle.weights()["FG/conv2d_16/kernel"])
    bad = tmp_path / "bad.weights.h5"
    bad.write_bytes(b"not hdf5")
    with pytest.raises(SystemExit, match="bad.weights.h5: not readable GLADNet weights"):
        convert.main(["--checkpoint", str(bad), "--output", str(tmp_path / "c.npz")])
    with pytest.raises(SystemExit):
        convert.main(["--checkpoint", prefix, "--output", str(tmp_path / "d.txt")])
