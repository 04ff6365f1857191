"""experiments/gpu/mix_params.py: the weighted mean of two parameter files, nothing overwritten."""
import os
import subprocess
import sys

import numpy as np

from conftest import REPO

SCRIPT = os.path.join(REPO, "experiments", "gpu", "mix_params.py")


def mix(*args):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True)


def test_mix_is_the_weighted_mean_of_each_parameter(tmp_path):
    rng = np.random.default_rng(0)
    a = {"conv2d/kernel": rng.normal(size=(3, 3, 3, 4)).astype(np.float32),
         "conv2d/bias": rng.normal(size=4).astype(np.float32)}
    b = {k: rng.normal(size=v.shape).astype(np.float32) for k, v in a.items()}
    np.savez(tmp_path / "a.npz", **a)
    np.savez(tmp_path / "b.npz", **b)

    result = mix(tmp_path / "a.npz", tmp_path / "b.npz", 0.25, tmp_path / "m.npz")

    assert result.returncode == 0, result.stderr
    with np.load(tmp_path / "m.npz") as m:
        assert sorted(m.files) == sorted(a)
        for k in a:
            assert m[k].dtype == np.float32
            np.testing.assert_allclose(m[k], 0.75 * a[k] + 0.25 * b[k], rtol=1e-6)
    again = mix(tmp_path / "a.npz", tmp_path / "b.npz", 0.5, tmp_path / "m.npz")
    assert again.returncode != 0 and "exists" in again.stderr


def test_other_parameters_a_weight_out_of_range_or_unreadable_files_are_refused(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.zeros(2, np.float32))
    np.savez(tmp_path / "b.npz", y=np.zeros(2, np.float32))
    other = mix(tmp_path / "a.npz", tmp_path / "b.npz", 0.5, tmp_path / "m.npz")
    assert other.returncode != 0 and "hold different parameters" in other.stderr
    far = mix(tmp_path / "a.npz", tmp_path / "a.npz", 1.5, tmp_path / "m.npz")
    assert far.returncode != 0 and "expected a fraction" in far.stderr
    (tmp_path / "broken.npz").write_bytes(b"not an npz")
    (tmp_path / "torn.npz").write_bytes(b"PK\x03\x04torn")  # a zip's header, no zip
    for name, reason in (("missing.npz", "no such file"), ("broken.npz", "not a readable .npz file"),
                         ("torn.npz", "not a readable .npz file")):
        result = mix(tmp_path / "a.npz", tmp_path / name, 0.5, tmp_path / "m.npz")
        assert result.returncode != 0
        assert result.stderr.strip() == f"mix_params: error: {tmp_path / name}: {reason}"
    assert not (tmp_path / "m.npz").exists()
