"""The README's training path with exactly the README's install command, in a fresh venv:
`tfds build` on photos the test makes, then the card's training command for two steps."""
import os
import subprocess

import cv2
import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(command, cwd, timeout=1800):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.slow
def test_readme_training_path_works_after_the_plain_install(tmp_path):
    venv = tmp_path / "venv"
    # The README's install step, with its venv elsewhere: python3 -m venv .venv && .venv/bin/pip install -q -e .
    install = run(["bash", "-c", f"python3 -m venv {venv} && {venv}/bin/pip install -q -e {REPO}"], tmp_path)
    assert install.returncode == 0, install.stderr[-3000:]
    photos = tmp_path / "photos"
    photos.mkdir()
    rng = np.random.default_rng(0)
    for index in range(3):
        ramp = np.linspace(0.1, 0.9, 700, dtype=np.float32)[None, :, None] * rng.uniform(0.5, 1, 3)
        image = np.clip(ramp + rng.normal(0, 0.05, (500, 700, 3)), 0, 1)
        cv2.imwrite(str(photos / f"photo_{index}.jpg"), np.round(image * 255).astype(np.uint8))
    data_dir = tmp_path / "tensorflow_datasets"
    build = run([str(venv / "bin" / "tfds"), "build", os.path.join(REPO, "datasets", "gladnet_raw"),
                 "--config=lowlight", f"--manual_dir={photos}", f"--data_dir={data_dir}"], tmp_path)
    assert build.returncode == 0, build.stderr[-3000:]
    assert (data_dir / "gladnet_raw" / "lowlight").is_dir()
    train = run([str(venv / "bin" / "python"), "-m", "gladnet_tf.train",
                 f"--flagfile={os.path.join(REPO, 'experiments', 'base.flags')}",
                 f"--data_dir={data_dir}", "--steps=2", "--eval_every=2"], tmp_path)
    assert train.returncode == 0, train.stderr[-3000:]
    assert (tmp_path / "runs" / "base" / "gladnet.weights.h5").is_file()
