"""Parity with the authors' TF1 graph: same variables in, same outputs and training updates out."""
import numpy as np
import pytest
import tensorflow as tf

from conftest import ORACLE_SEED
from gladnet_tf import trainer
from gladnet_tf.model import build_gladnet
from gladnet_tf.reference import OriginalGraph

TOLERANCE = 1e-5


@pytest.fixture(scope="module")
def oracle(oracle_meta):
    return OriginalGraph(oracle_meta, seed=ORACLE_SEED)


@pytest.fixture(scope="module")
def model(oracle):
    model = build_gladnet()
    oracle.copy_to(model)
    return model


# 1x1 is the smallest input the original accepts: its resizes and "same" convs take any size >= 1.
@pytest.mark.parametrize("shape", [
    (1, 96, 96, 3), (1, 400, 600, 3), (1, 401, 599, 3), (1, 37, 1001, 3), (1, 1, 1, 3),
    (1, 2, 3, 3), (2, 120, 88, 3)])
def test_outputs_match_original(oracle, model, shape):
    low = np.random.default_rng(sum(shape)).uniform(size=shape).astype(np.float32)
    expected = oracle.enhance(low)
    assert np.count_nonzero(expected) > 0, "degenerate oracle: all outputs are zero"
    np.testing.assert_allclose(model(low).numpy(), expected, rtol=0, atol=TOLERANCE)


def test_empty_input_is_rejected_by_both(oracle, model):
    empty = np.zeros((1, 0, 5, 3), np.float32)
    with pytest.raises(tf.errors.InvalidArgumentError):
        oracle.enhance(empty)
    with pytest.raises(tf.errors.InvalidArgumentError):
        model(empty)


def test_training_step_matches_original(oracle_meta):
    # One step, as the original's train op runs it. Later steps drift apart chaotically: the
    # 3e-8 rounding difference between TF1's fused ApplyAdam and Keras' Adam flips a few ReLUs,
    # and Adam's normalisation turns the changed small gradients into lr-sized updates.
    oracle = OriginalGraph(oracle_meta, seed=ORACLE_SEED)
    model = build_gladnet()
    oracle.copy_to(model)
    optimizer = trainer.make_optimizer()
    rng = np.random.default_rng(7)
    high = rng.uniform(size=(4, 64, 64, 3)).astype(np.float32)
    low = (high * rng.uniform(0.05, 0.5, size=(4, 1, 1, 1))).astype(np.float32)
    initial = oracle.weights()
    expected_loss = oracle.train_step(low, high)
    loss = tf.function(trainer.train_step)(model, optimizer, low, high).numpy()
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-6)
    expected = oracle.weights()
    for layer in model.layers:
        for part, weight in zip(("kernel", "bias"), layer.weights):
            name = f"FG/{layer.name}/{part}"
            assert not np.array_equal(expected[name], initial[name]), f"{name} not updated"
            np.testing.assert_allclose(weight.numpy(), expected[name], rtol=0, atol=1e-6,
                                       err_msg=name)


@pytest.mark.parametrize("step", [0, 1, 99, 100, 250, 12345])
def test_learning_rate_schedule_matches_tf1(step):
    tf1 = tf.compat.v1.train.exponential_decay(1e-3, step, 100, 0.96)
    np.testing.assert_allclose(trainer.learning_rate_schedule()(step).numpy(), tf1().numpy(), rtol=1e-6)
