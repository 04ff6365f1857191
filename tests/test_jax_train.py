"""The JAX trainer for accelerator machines: its model and step equal the Keras ones, its data is
deterministic, a run resumes, and its parameters convert into Keras weights."""
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
import tensorflow as tf

jax = pytest.importorskip("jax", reason="the JAX trainer's tests need jax (pip install -e '.[test]')")
import jax.numpy as jnp  # noqa: E402

from gladnet_tf import imageio, jax_model, jax_train, trainer  # noqa: E402
from gladnet_tf.convert import load_tf1_checkpoint  # noqa: E402
from gladnet_tf.model import CONV_LAYERS, build_gladnet  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def keras_and_jax(random_weights):
    model = build_gladnet()
    model.load_weights(random_weights)
    params = {}
    for name in CONV_LAYERS:
        kernel, bias = model.get_layer(name).get_weights()
        params[f"FG/{name}/kernel"], params[f"FG/{name}/bias"] = jnp.asarray(kernel), jnp.asarray(bias)
    return model, params


@pytest.mark.parametrize("size", [(1, 96, 96), (1, 401, 599), (2, 37, 101), (1, 2, 3), (1, 1, 1)])
def test_jax_forward_equals_keras(keras_and_jax, size):
    model, params = keras_and_jax
    low = np.random.default_rng(0).uniform(size=(*size, 3)).astype(np.float32)
    expected = model(low).numpy()
    got = np.asarray(jax.jit(jax_model.forward)(params, low))
    assert np.abs(expected).max() > 0.05  # a live network, not all-zero ReLUs
    np.testing.assert_allclose(got, expected, atol=2e-5, rtol=2e-5)  # float32 sum order


@pytest.mark.parametrize("in_size,out_size", [(96, 3), (3, 6), (96, 401), (600, 96), (7, 1000)])
def test_nearest_indices_are_tf1s(in_size, out_size):
    column = tf.reshape(tf.range(in_size, dtype=tf.float32), (1, in_size, 1, 1))
    tf1 = tf.raw_ops.ResizeNearestNeighbor(images=column, size=(out_size, 1), align_corners=False,
                                           half_pixel_centers=False)
    np.testing.assert_array_equal(jax_model.tf1_nearest_indices(in_size, out_size),
                                  tf1.numpy().ravel().astype(int))


@pytest.mark.parametrize("loss_weights", ["original", "equal"])
def test_jax_loss_and_gradients_equal_keras(keras_and_jax, random_weights, loss_weights):
    _, params = keras_and_jax
    weights = trainer.LOSS_WEIGHTS[loss_weights]
    assert jax_model.LOSS_WEIGHTS[loss_weights] == weights
    rng = np.random.default_rng(1)
    low = rng.uniform(0, 0.2, (2, 48, 64, 3)).astype(np.float32)
    high = rng.uniform(size=(2, 48, 64, 3)).astype(np.float32)
    model = build_gladnet()
    model.load_weights(random_weights)
    with tf.GradientTape() as tape:
        keras_loss = trainer.weighted_l1_loss(model(low), high, weights)
    keras_grads = dict(zip([w.path for w in model.trainable_variables],
                           tape.gradient(keras_loss, model.trainable_variables)))
    jax_loss, jax_grads = jax_model.loss_and_gradients(params, low, high, loss_weights=weights)
    assert abs(float(jax_loss) - float(keras_loss)) <= 1e-6 * float(keras_loss)
    for name in CONV_LAYERS:
        for part in ("kernel", "bias"):
            want = keras_grads[f"{name}/{part}"].numpy()
            np.testing.assert_allclose(jax_grads[f"FG/{name}/{part}"], want, rtol=0,
                                       atol=3e-4 * np.abs(want).max())  # float32 sums


@pytest.mark.parametrize("share", [0.84, 0.5])
def test_jax_l1_ssim_loss_and_its_gradient_equal_keras(share):
    """`--loss=l1_ssim` in JAX: tf.image.ssim's window and constants, the same mix at each
    `--ssim_share`; the gradient with respect to the output (what the network's backward pass,
    tested above, receives)."""
    rng = np.random.default_rng(2)
    output = rng.uniform(-0.1, 1.1, (2, 40, 56, 3)).astype(np.float32)
    target = rng.uniform(size=(2, 40, 56, 3)).astype(np.float32)
    variable = tf.Variable(output)
    with tf.GradientTape() as tape:
        keras_loss = trainer.l1_ssim_loss(variable, target, ssim_share=share)
    keras_grad = tape.gradient(keras_loss, variable).numpy()
    jax_loss, jax_grad = jax.value_and_grad(jax_model.l1_ssim_loss)(
        jnp.asarray(output), jnp.asarray(target), ssim_share=share)
    assert float(jax_loss) == pytest.approx(float(keras_loss), rel=1e-6)
    np.testing.assert_allclose(jax_grad, keras_grad, rtol=0, atol=1e-4 * np.abs(keras_grad).max())


def test_jax_adam_equals_keras_adam(keras_and_jax):
    """Same gradients in, same weights out, at step 250 (decayed lr, bias correction at t = 251)."""
    _, params = keras_and_jax
    rng = np.random.default_rng(4)
    grads = {k: jnp.asarray(rng.normal(0, 1e-3, v.shape).astype(np.float32)) for k, v in params.items()}
    variables = {k: tf.Variable(np.asarray(v)) for k, v in params.items()}
    optimizer = trainer.make_optimizer()
    optimizer.build(list(variables.values()))
    optimizer.iterations.assign(250)
    for _ in range(2):
        optimizer.apply_gradients([(tf.constant(np.asarray(grads[k])), variables[k]) for k in params])
    adam = {**jax_model.init_adam(params), "step": jnp.asarray(250, jnp.int32)}
    for _ in range(2):
        params, adam = jax_model.adam_update(params, adam, grads, trainer.BASE_LR,
                                             trainer.DECAY_STEPS, trainer.DECAY_RATE)
    assert int(adam["step"]) == int(optimizer.iterations) == 252
    for name, variable in variables.items():
        np.testing.assert_allclose(params[name], variable.numpy(), atol=1e-7, rtol=0)


def test_bfloat16_forward_is_close_to_float32(keras_and_jax):
    _, params = keras_and_jax
    low = np.random.default_rng(2).uniform(size=(1, 64, 64, 3)).astype(np.float32)
    full = np.asarray(jax_model.forward(params, low))
    half = np.asarray(jax_model.forward(params, low, jnp.bfloat16))
    assert half.dtype == np.float32
    assert np.abs(half - full).max() < 0.05 * np.abs(full).max()
    assert np.abs(half - full).max() > 0  # bfloat16 really ran
    graph = str(jax.make_jaxpr(lambda x: jax_model.forward(params, x, jnp.bfloat16))(low))
    convs = [line for line in graph.splitlines() if "conv_general_dilated" in line]
    assert len(convs) == 17 and all(":bf16[" in line for line in convs), convs[:2]


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    rng = np.random.default_rng(0)
    for index in range(3):
        ramp = np.linspace(0, 1, 80, dtype=np.float32)[None, :, None]
        image = np.clip(ramp * rng.uniform(0.3, 1.0, (1, 1, 3)) + rng.normal(0, 0.05, (60, 80, 3)), 0, 1)
        cv2.imwrite(str(folder / f"p{index}.png"), np.round(image * 255).astype(np.uint8))
    (folder / "broken.jpg").write_bytes(b"not an image")
    cv2.imwrite(str(folder / "tiny.png"), np.zeros((8, 8, 3), np.uint8))
    return str(folder)


def test_batches_are_deterministic_uint8_patches_of_the_recipe(photos):
    loaded = jax_train.load_photos(photos, 32)
    assert len(loaded) == 3  # the unreadable and the too-small file are skipped
    jax_train._init_worker(loaded, "lowlight", 32, 4, seed=5)
    low, high = jax_train.make_batch(7)
    assert low.shape == high.shape == (4, 32, 32, 3) and low.dtype == np.uint8
    again = jax_train.make_batch(7)
    np.testing.assert_array_equal(low, again[0])
    assert not np.array_equal(low, jax_train.make_batch(8)[0])
    assert low.mean() < 0.8 * high.mean()  # darker inputs than targets (some near-normal)


@pytest.fixture(scope="module")
def pairs(tmp_path_factory):
    """Twelve real-looking pairs, each low image one flat level of its own (10 + i) and its high
    image 100 + i, so a patch tells which pair it came from (two are held out by their hash),
    and one smaller than a patch."""
    folder = tmp_path_factory.mktemp("pairs")
    for side in ("low", "high"):
        (folder / side).mkdir()
    for index in range(12):
        cv2.imwrite(str(folder / "low" / f"{index}.png"), np.full((40, 50, 3), 10 + index, np.uint8))
        cv2.imwrite(str(folder / "high" / f"{index}.png"), np.full((40, 50, 3), 100 + index, np.uint8))
    cv2.imwrite(str(folder / "low" / "small.png"), np.full((20, 50, 3), 30, np.uint8))
    cv2.imwrite(str(folder / "high" / "small.png"), np.full((20, 50, 3), 120, np.uint8))
    return str(folder)


def test_real_pairs_are_mixed_in_at_their_share_never_the_held_out_ones(photos, pairs):
    loaded = jax_train.load_pairs(pairs, 32)
    held_out = imageio.hash_split(imageio.pair_files(f"{pairs}/low", f"{pairs}/high"))["validation"]
    held_levels = {int(cv2.imread(low)[0, 0, 0]) for low, _ in held_out}
    train_levels = {int(low[0, 0, 0]) for low, _ in loaded}
    assert held_levels == {17, 20}  # fixed by the files' hashes
    assert train_levels == set(range(10, 22)) - held_levels  # the small pair left out
    jax_train._init_worker(jax_train.load_photos(photos, 32), "lowlight", 32, 8, 5, loaded, 0.25)
    real = 0
    for index in range(40):
        low, high = jax_train.make_batch(index)
        for lo, hi in zip(low, high):
            level = int(lo[0, 0, 0])
            if lo.min() == lo.max() and level in train_levels:  # a real pair's patch, untouched
                assert (hi == 90 + level).all()
                real += 1
            else:
                assert hi.max() > hi.min()  # a synthetic pair (ramps)
    assert 0.15 < real / 320 < 0.35


def run_jax_train(photos, model_dir, *extra):
    command = [sys.executable, "-m", "gladnet_tf.jax_train", f"--photos={photos}",
               f"--model_dir={model_dir}", "--patch_size=32", "--batch_size=2", "--workers=2",
               "--log_every=1", "--checkpoint_every=2", *extra]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO, timeout=600,
                          env={**os.environ, "JAX_PLATFORMS": "cpu"})


def test_run_resumes_and_converts_to_keras_weights(photos, tmp_path):
    first = run_jax_train(photos, tmp_path, "--steps=2")
    assert first.returncode == 0, first.stderr
    with np.load(tmp_path / "gladnet_fg.npz") as data:
        at_step_2 = dict(data)
    resumed = run_jax_train(photos, tmp_path, "--steps=4")
    assert resumed.returncode == 0, resumed.stderr
    assert "resumed from" in resumed.stderr and "at step 2" in resumed.stderr
    assert "steps 2 -> 4" in resumed.stderr and "step 1/4" not in resumed.stderr  # not from step 0
    straight = tmp_path / "straight"
    assert run_jax_train(photos, straight, "--steps=4", "--snapshot_every=2").returncode == 0
    assert sorted(p.name for p in straight.glob("gladnet_fg-*")) == ["gladnet_fg-2.npz",
                                                                       "gladnet_fg-4.npz"]
    with np.load(tmp_path / "gladnet_fg.npz") as data:
        at_step_4 = dict(data)
    for expected, snapshot in ((at_step_2, "gladnet_fg-2.npz"), (at_step_4, "gladnet_fg-4.npz"),
                               (at_step_4, "gladnet_fg.npz")):
        with np.load(straight / snapshot) as data:
            for name in data.files:
                np.testing.assert_allclose(expected[name], data[name], atol=1e-6)
    model = load_tf1_checkpoint(build_gladnet(), str(tmp_path / "gladnet_fg.npz"))
    with np.load(tmp_path / "gladnet_fg.npz") as data:
        np.testing.assert_array_equal(model.get_layer("conv2d_16").get_weights()[0],
                                      data["FG/conv2d_16/kernel"])


def test_init_params_start_a_new_run_and_a_checkpoint_wins(photos, tmp_path):
    start = {k: np.asarray(v) + 0.01 for k, v in jax_model.init_params(7).items()}
    np.savez(tmp_path / "start.npz", **start)
    init = f"--init_params={tmp_path / 'start.npz'}"
    assert run_jax_train(photos, tmp_path / "fresh", "--steps=2", init, "--base_lr=1e-12").returncode == 0
    with np.load(tmp_path / "fresh" / "gladnet_fg.npz") as data:  # lr 1e-12: still the start
        np.testing.assert_allclose(data["FG/conv2d/kernel"], start["FG/conv2d/kernel"], atol=1e-9)
    assert run_jax_train(photos, tmp_path / "run", "--steps=2", init, "--base_lr=1e-3").returncode == 0
    with np.load(tmp_path / "run" / "gladnet_fg.npz") as data:
        trained = data["FG/conv2d/kernel"]
    assert np.abs(trained - start["FG/conv2d/kernel"]).max() > 1e-4  # the two candidates differ
    resumed = run_jax_train(photos, tmp_path / "run", "--steps=3", init, "--base_lr=1e-12")
    assert "resumed from" in resumed.stderr and "started from" not in resumed.stderr
    with np.load(tmp_path / "run" / "gladnet_fg.npz") as data:  # the checkpoint's, not the start's
        np.testing.assert_allclose(data["FG/conv2d/kernel"], trained, atol=1e-9)


def test_packed_pairs_are_the_training_pairs(pairs, tmp_path):
    packed = tmp_path / "packed"
    subprocess.run([sys.executable, "experiments/gpu/pack_pairs.py", pairs, str(packed)],
                   check=True, cwd=REPO, capture_output=True)
    stem = lambda path: os.path.splitext(os.path.basename(path))[0]  # noqa: E731
    assert ([tuple(map(stem, p)) for p in jax_train.training_pairs(str(packed))]
            == [tuple(map(stem, p)) for p in jax_train.training_pairs(pairs)])
    assert len(jax_train.load_pairs(str(packed), 32)) == 10  # no second hold-out


def test_run_with_real_pairs_logs_them_and_a_folder_without_usable_pairs_is_one_line(
        photos, pairs, tmp_path):
    mixed = run_jax_train(photos, tmp_path / "mixed", "--steps=1", f"--pairs={pairs}",
                          "--pairs_share=0.5")
    assert mixed.returncode == 0, mixed.stderr
    count = len(jax_train.load_pairs(pairs, 32))
    assert f"3 photos, recipe lowlight, {count} real pairs (share 0.5)" in mixed.stderr
    result = run_jax_train(photos, tmp_path / "run", "--steps=1", f"--pairs={pairs}",
                           "--patch_size=48")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].endswith("no pair as large as a 48 patch")


def test_missing_photo_folder_is_one_line(tmp_path):
    result = run_jax_train(tmp_path / "nowhere", tmp_path / "run", "--steps=1")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].endswith("nowhere: no such folder")
