"""The command-line tools start without TensorFlow's C++ start-up lines, unless asked."""
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)
NOISE = ("cuInit", "oneDNN", "cuda drivers", "I0000", "E0000", "absl::InitializeLog")
ENV = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}


def run(command, cwd):
    return subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=ENV, timeout=600)


@pytest.fixture(scope="module")
def sample():
    return sorted(os.path.join(REPO, "samples", n) for n in os.listdir(os.path.join(REPO, "samples"))
                  if n.endswith((".png", ".jpg")))[0]


def test_enhance_starts_quietly_and_keeps_its_own_output(sample, tmp_path):
    result = run([os.path.join(BIN, "gladnet-enhance"), sample, "--output-dir", str(tmp_path)], REPO)
    assert result.returncode == 0, result.stderr
    assert not any(word in result.stderr + result.stdout for word in NOISE), result.stderr
    assert "done 1, skipped 0, failed 0" in result.stdout
    stem = os.path.splitext(os.path.basename(sample))[0]
    assert os.listdir(tmp_path) == [stem + ".png"]


def test_verbose_shows_tensorflows_lines(sample, tmp_path):
    result = run([os.path.join(BIN, "gladnet-enhance"), sample, "--output-dir", str(tmp_path),
                  "--verbose"], REPO)
    assert result.returncode == 0, result.stderr
    assert "oneDNN" in result.stderr or "I0000" in result.stderr


def test_asking_for_info_lines_shows_them(sample, tmp_path):
    result = subprocess.run([os.path.join(BIN, "gladnet-enhance"), sample, "--output-dir", str(tmp_path)],
                            capture_output=True, text=True, cwd=REPO, timeout=600,
                            env={**ENV, "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert result.returncode == 0 and "I0000" in result.stderr


def test_train_error_is_the_only_line(tmp_path):
    result = run([sys.executable, "-m", "gladnet_tf.train", "--tfds=/nonexistent/gladnet_raw",
                  f"--model_dir={tmp_path}"], REPO)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "gladnet_tf.train: error: --tfds /nonexistent/gladnet_raw: no such folder"]
