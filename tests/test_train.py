"""Training CLI: smoke run, fail-fast flags, NaN stop, SIGKILL/resume, two-worker training."""
import json
import os
import signal
import socket
import subprocess
import sys
import time

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from datasets.gladnet_raw import gladnet_raw_dataset_builder as gladnet_raw
from datasets.paired_images import paired_images_dataset_builder as paired_images
from gladnet_tf.model import build_gladnet

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SMOKE = os.path.join(REPO, "experiments", "smoke.flags")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """gladnet_raw (paper config) built from the builder's dummy data; returns its folder."""
    data_dir = tmp_path_factory.mktemp("tfds")
    builder = gladnet_raw.Builder(config="paper", data_dir=str(data_dir))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=os.path.join(REPO, "datasets", "gladnet_raw", "dummy_data")))
    return str(builder.data_dir)


def train_command(dataset, model_dir, *extra):
    source = [f"--tfds={dataset}"] if dataset else []
    return [sys.executable, "-m", "gladnet_tf.train", f"--flagfile={SMOKE}", *source,
            f"--model_dir={model_dir}", *extra]


def run_train(dataset, model_dir, *extra, env=None):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", **(env or {})}
    return subprocess.run(train_command(dataset, model_dir, *extra), capture_output=True,
                          text=True, cwd=REPO, env=env, timeout=600)


def final_weights(path):
    model = build_gladnet()
    model.load_weights(path)
    return [w.numpy() for w in model.weights]


def test_smoke_run_writes_weights_checkpoints_summaries_and_run_json(dataset, tmp_path):
    result = run_train(dataset, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "step 6/6" in result.stderr and "img/s" in result.stderr and "ETA" in result.stderr
    assert "validation psnr" in result.stderr
    info = json.loads((tmp_path / "run.json").read_text())
    assert info["steps"] == 6 and np.isfinite(info["loss"]) and "psnr" in info
    assert info["flags"]["patch_size"] == 32
    assert (tmp_path / "checkpoints" / "ckpt-6.index").exists()
    assert any((tmp_path / "tensorboard").iterdir())
    assert all(np.all(np.isfinite(w)) for w in final_weights(str(tmp_path / "gladnet.weights.h5")))
    again = run_train(dataset, tmp_path)  # already finished: resumes at 6 and stops
    assert again.returncode == 0 and "resumed from" in again.stderr


@pytest.mark.parametrize("flags, message", [
    (["--tfds=/nonexistent/gladnet_raw/1.0.0"], "--tfds /nonexistent/gladnet_raw/1.0.0: no such folder"),
    (["--patch_size=5000"], "--patch_size 5000 is larger than every training image"),
    (["--precision=float8"], "precision"),
    (["--downscale=2"], "--downscale 2.0: must be in (0, 1]"),
    (["--downscale=0.5", "--downscale_min=0.6"], "--downscale_min 0.6: must be in (0, --downscale]"),
    (["--init_weights=/nonexistent.weights.h5"], "--init_weights /nonexistent.weights.h5: no such file"),
    ([f"--init_weights={SMOKE}"], f"--init_weights {SMOKE}: not GLADNet weights"),
])
def test_bad_flags_fail_fast_with_one_line(dataset, tmp_path, flags, message):
    result = run_train(dataset, tmp_path / "run", *flags)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "run" / "checkpoints").exists()


def test_nan_stops_the_run_and_keeps_the_last_good_checkpoint(dataset, tmp_path):
    good = run_train(dataset, tmp_path, "--steps=2", "--checkpoint_every=1")
    assert good.returncode == 0, good.stderr[-2000:]
    (tmp_path / "gladnet.weights.h5").unlink()
    result = run_train(dataset, tmp_path, "--base_lr=1e38", "--checkpoint_every=1")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "NaN or infinite" in result.stderr and "last good checkpoint" in result.stderr
    assert not (tmp_path / "gladnet.weights.h5").exists()
    import tensorflow as tf
    latest = tf.train.latest_checkpoint(str(tmp_path / "checkpoints"))
    assert latest is not None and int(latest.rsplit("-", 1)[1]) >= 2
    reader = tf.train.load_checkpoint(latest)
    for name, dtype in reader.get_variable_to_dtype_map().items():
        if dtype.is_floating:
            assert np.all(np.isfinite(reader.get_tensor(name))), name


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_result(dataset, tmp_path):
    extra = ["--steps=8", "--checkpoint_every=1", "--eval_every=1000"]
    reference = run_train(dataset, tmp_path / "straight", *extra)
    assert reference.returncode == 0, reference.stderr[-2000:]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    process = subprocess.Popen(train_command(dataset, tmp_path / "killed", *extra), cwd=REPO,
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    marker = tmp_path / "killed" / "checkpoints" / "ckpt-4.index"
    deadline = time.time() + 300
    while not marker.exists() and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert marker.exists(), "the run never reached step 4"
    import tensorflow as tf
    latest = tf.train.latest_checkpoint(str(tmp_path / "killed" / "checkpoints"))
    killed_at = int(latest.rsplit("-", 1)[1])
    assert 4 <= killed_at < 8, killed_at  # the kill interrupted the run
    assert not (tmp_path / "killed" / "gladnet.weights.h5").exists()
    resumed = run_train(dataset, tmp_path / "killed", *extra)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resumed from {latest} at step {killed_at}" in resumed.stderr  # not from step 0
    assert "step 1/8" not in resumed.stderr
    straight_info = json.loads((tmp_path / "straight" / "run.json").read_text())
    resumed_info = json.loads((tmp_path / "killed" / "run.json").read_text())
    assert resumed_info["steps"] == straight_info["steps"] == 8
    # Same data order (the iterator is checkpointed) and stateless crops: the resumed run
    # retraces the uninterrupted one up to float rounding of multi-threaded kernels.
    np.testing.assert_allclose(resumed_info["loss"], straight_info["loss"], rtol=1e-3)
    for a, b in zip(final_weights(str(tmp_path / "straight" / "gladnet.weights.h5")),
                    final_weights(str(tmp_path / "killed" / "gladnet.weights.h5"))):
        np.testing.assert_allclose(a, b, atol=1e-4)


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_two_workers_train_in_step(dataset, tmp_path):
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(subprocess.Popen(
            train_command(dataset, tmp_path, "--steps=4", "--eval_every=1000"), cwd=REPO,
            env={**env, "TF_CONFIG": json.dumps(tf_config)}, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True))
    outputs = [p.communicate(timeout=600)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs[0][-1500:] + outputs[1][-1500:]
    assert "MultiWorkerMirroredStrategy" in outputs[0] and "2 replica(s)" in outputs[0]
    chief = final_weights(str(tmp_path / "gladnet.weights.h5"))
    other = final_weights(str(tmp_path / "worker_1.weights.h5"))
    for a, b in zip(chief, other):
        np.testing.assert_array_equal(a, b)
    assert json.loads((tmp_path / "run.json").read_text())["steps"] == 4


def test_export_from_run_restores_the_latest_checkpoint(dataset, tmp_path):
    from gladnet_tf import export
    result = run_train(dataset, tmp_path / "run", "--steps=2", "--eval_every=1000")
    assert result.returncode == 0, result.stderr[-2000:]
    export.main(["--output_dir", str(tmp_path / "exp"), "--from_run", str(tmp_path / "run"), "--tflite", ""])
    for a, b in zip(final_weights(str(tmp_path / "run" / "gladnet.weights.h5")),
                    final_weights(str(tmp_path / "exp" / "gladnet.weights.h5"))):
        np.testing.assert_array_equal(a, b)
    assert (tmp_path / "exp" / "gladnet" / "1" / "saved_model.pb").exists()


def test_resumes_from_a_checkpoint_without_data_position(dataset, tmp_path):
    import tensorflow as tf
    from gladnet_tf import trainer
    model, optimizer = build_gladnet(), trainer.make_optimizer()
    optimizer.build(model.trainable_variables)
    optimizer.iterations.assign(3)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=optimizer)
    tf.train.CheckpointManager(checkpoint, str(tmp_path / "checkpoints"), 1).save(checkpoint_number=3)
    result = run_train(dataset, tmp_path, "--steps=5", "--eval_every=1000")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "holds no data-iterator state" in result.stderr and "at step 3" in result.stderr
    assert json.loads((tmp_path / "run.json").read_text())["steps"] == 5


def test_new_run_starts_from_init_weights_and_a_checkpoint_wins_over_them(tmp_path):
    import tensorflow as tf
    from gladnet_tf import trainer
    start = build_gladnet()
    start.set_weights([np.full(w.shape, 0.01 * i, "float32") for i, w in enumerate(start.weights)])
    start.save_weights(str(tmp_path / "start.weights.h5"))
    strategy = tf.distribute.get_strategy()
    iterator = iter(tf.data.Dataset.range(3))
    run = trainer.Trainer(str(tmp_path / "run"), strategy, init_weights=str(tmp_path / "start.weights.h5"))
    assert run.restore(iterator) == 0
    for a, b in zip(start.weights, run.model.weights):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    run.model.weights[0].assign_add(tf.ones_like(run.model.weights[0]))
    run.optimizer.iterations.assign(7)
    run.save()
    again = trainer.Trainer(str(tmp_path / "run"), strategy, init_weights=str(tmp_path / "start.weights.h5"))
    assert again.restore(iter(tf.data.Dataset.range(3))) == 7
    np.testing.assert_array_equal(again.model.weights[0].numpy(), start.weights[0].numpy() + 1)


def test_flagfiles_name_the_readmes_dataset_and_say_how_to_build_it(tmp_path):
    for flagfile in ("base.flags", "cpu.flags"):
        result = subprocess.run(
            [sys.executable, "-m", "gladnet_tf.train", f"--flagfile={os.path.join(REPO, 'experiments', flagfile)}",
             f"--data_dir={tmp_path}"], capture_output=True, text=True, cwd=tmp_path, timeout=600)
        assert result.returncode == 1
        assert result.stderr.strip().splitlines() == [
            f"gladnet_tf.train: error: gladnet_raw/lowlight is not built in {tmp_path}; build it first: "
            f"tfds build datasets/gladnet_raw --config=lowlight --manual_dir=/path/to/photos --data_dir={tmp_path}"]
        assert not (tmp_path / "runs").exists()


def test_a_dataset_name_resolves_to_its_newest_built_version(dataset, tmp_path):
    data_dir = os.path.dirname(os.path.dirname(os.path.dirname(dataset)))  # .../gladnet_raw/paper/1.9.0
    result = run_train(dataset, tmp_path / "run", "--tfds=gladnet_raw/paper", f"--data_dir={data_dir}")
    assert result.returncode == 0, result.stderr[-2000:]
    assert (tmp_path / "run" / "gladnet.weights.h5").exists()


def test_loss_weights_weigh_channels_as_named():
    """The original's weights make a red error cost 0.11448 / 0.58661 of a green one; `equal`
    weighs them alike; a training step's loss is the weighting it is given."""
    import keras
    import tensorflow as tf

    from gladnet_tf import trainer
    target = np.zeros((1, 8, 8, 3), np.float32)
    red, green = target.copy(), target.copy()
    red[..., 0], green[..., 1] = 0.5, 0.5
    loss = lambda output, *weights: float(trainer.weighted_l1_loss(  # noqa: E731
        tf.constant(output), tf.constant(target), *weights))
    assert loss(red) / loss(green) == pytest.approx(0.11448 / 0.58661, rel=1e-6)
    equal = trainer.LOSS_WEIGHTS["equal"]
    assert loss(red, equal) == pytest.approx(loss(green, equal), rel=1e-6)
    assert loss(red, equal) == pytest.approx(0.5 / 3 / 3, rel=1e-6)  # a third of the elements, weight 1/3
    model = build_gladnet()
    low, high = tf.random.uniform((1, 16, 16, 3), seed=1), tf.random.uniform((1, 16, 16, 3), seed=2)
    for weights in (trainer.CHANNEL_WEIGHTS, equal):
        expected = float(trainer.weighted_l1_loss(model(low), high, weights))
        optimizer = trainer.make_optimizer(keras.optimizers.schedules.ExponentialDecay(0.0, 1, 1.0))
        assert float(trainer.train_step(model, optimizer, low, high, weights)) == pytest.approx(expected, rel=1e-5)


def test_l1_ssim_loss_known_value(tmp_path):
    """Flat images: SSIM is the luminance term alone, (2 mu_x mu_y + C1) / (mu_x^2 + mu_y^2 + C1)
    with C1 = 0.01^2, so an output 0.1 above a black target scores SSIM 1e-4 / 0.0101 and L1 0.1; a
    training step with `l1_ssim` returns 0.84 (1 - SSIM) + 0.16 L1, and a perfect output 0; a run's
    `ssim_share` (--ssim_share) replaces 0.84."""
    import keras
    import tensorflow as tf

    from gladnet_tf import trainer
    target = tf.zeros((1, 16, 16, 3))
    expected = 0.84 * (1 - 1e-4 / 0.0101) + 0.16 * 0.1
    assert float(trainer.l1_ssim_loss(target + 0.1, target)) == pytest.approx(expected, rel=1e-4)
    assert float(trainer.l1_ssim_loss(target + 0.3, target + 0.3)) == pytest.approx(0.0, abs=1e-6)
    model = build_gladnet()
    low, high = tf.random.uniform((1, 16, 16, 3), seed=1), tf.random.uniform((1, 16, 16, 3), seed=2)
    optimizer = trainer.make_optimizer(keras.optimizers.schedules.ExponentialDecay(0.0, 1, 1.0))
    step_loss = trainer.train_step(model, optimizer, low, high, trainer.CHANNEL_WEIGHTS, trainer.l1_ssim_loss)
    assert float(step_loss) == pytest.approx(float(trainer.l1_ssim_loss(model(low), high)), rel=1e-5)
    run = trainer.Trainer(str(tmp_path / "run"), tf.distribute.get_strategy(), loss="l1_ssim", ssim_share=0.5)
    assert float(run.loss(target + 0.1, target)) == pytest.approx(0.5 * (1 - 1e-4 / 0.0101) + 0.05, rel=1e-4)


def _webp_pairs(folder, count=3, size=(48, 64)):
    rng = np.random.default_rng(0)
    for side in ("low", "high"):
        (folder / side).mkdir(parents=True)
    for index in range(count):
        low = rng.integers(0, 60, size + (3,), dtype=np.uint8)
        for side, image in (("low", low), ("high", 255 - low)):
            cv2.imwrite(str(folder / side / f"{index}.webp"), image, (cv2.IMWRITE_WEBP_QUALITY, 101))


def test_trains_on_webp_folders(tmp_path):
    """LOL's lossless WebP pairs: training steps (it once spun forever without a word)."""
    _webp_pairs(tmp_path / "pairs")
    result = run_train(None, tmp_path / "run", f"--low_dir={tmp_path / 'pairs' / 'low'}",
                       f"--high_dir={tmp_path / 'pairs' / 'high'}", "--steps=2", "--tfds=")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "step 2/2" in result.stderr


@pytest.mark.parametrize("content, message", [
    (b"GIF89a" + b"\x00" * 40, "its first low image does not decode: unsupported image format"),
    (None, "--patch_size 32 is larger than every training image"),
])
def test_a_source_that_cannot_give_a_patch_fails_in_one_line_naming_it(tmp_path, content, message):
    _webp_pairs(tmp_path / "pairs", size=(16, 20))  # smaller than the smoke flags' 32 px patch
    if content is not None:
        for path in (tmp_path / "pairs" / "low").iterdir():
            path.write_bytes(content)
    started = time.time()
    result = run_train(None, tmp_path / "run", f"--low_dir={tmp_path / 'pairs' / 'low'}",
                       f"--high_dir={tmp_path / 'pairs' / 'high'}", "--tfds=")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"--low_dir {tmp_path / 'pairs' / 'low'}: {message}" in result.stderr, result.stderr[-2000:]
    assert time.time() - started < 60


def test_mixed_sources_are_validated_one_by_one_and_reported_by_the_worse(dataset, tmp_path):
    paired = tmp_path / "paired"
    _webp_pairs(paired / "in", count=14)
    builder = paired_images.Builder(data_dir=str(paired / "data"))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=str(paired / "in")))
    assert set(builder.info.splits) == {"train", "validation"}  # the flat layout holds pairs out
    result = run_train(None, tmp_path / "run", f"--tfds={dataset}:3,{builder.data_dir}:1")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "75% of patches" in result.stderr and "25% of patches" in result.stderr
    info = json.loads((tmp_path / "run" / "run.json").read_text())
    per_source = info["sources"]
    assert set(per_source) == {dataset, str(builder.data_dir)}
    assert info["psnr"] == min(r["psnr"] for r in per_source.values())
    assert info["ssim"] == min(r["ssim"] for r in per_source.values())
    assert "(worse of" in result.stderr


def test_bad_mix_weights_fail_fast(dataset, tmp_path):
    result = run_train(dataset, tmp_path / "run", f"--tfds={dataset}:0")
    assert result.returncode != 0 and "the weights add up to zero" in result.stderr
