"""Metrics: NIQE against the official MATLAB scores, PSNR/SSIM known values, evaluate CLI."""
import cv2
import numpy as np
import pytest
import tensorflow as tf

from conftest import SHARED
from gladnet_tf import evaluate, metrics, niqe

NIQE_DIR = SHARED / "reference" / "niqe"
OFFICIAL_NIQE = {"I03": 15.7536293917814, "I04": 3.65492152353770, "I06": 3.23547743716998,
                 "I08": 3.18403333858339, "I19": 8.63519663862637}


@pytest.mark.skipif(not NIQE_DIR.exists(), reason=f"{NIQE_DIR} not found (NIQE calibration set)")
@pytest.mark.parametrize("name", sorted(OFFICIAL_NIQE))
def test_niqe_matches_official_matlab_within_one_percent(name):
    image = cv2.imread(str(NIQE_DIR / f"{name}.bmp"))[..., ::-1]
    assert niqe.niqe(image) == pytest.approx(OFFICIAL_NIQE[name], rel=0.01)


def test_shipped_pristine_model_is_the_official_one():
    if not NIQE_DIR.exists():
        pytest.skip(f"{NIQE_DIR} not found")
    ours, official = np.load(niqe.PRISTINE), np.load(NIQE_DIR / "niqe_pris_params.npz")
    for key in official:
        np.testing.assert_array_equal(ours[key], official[key])


def test_matlab_imresize_half_invariants():
    constant = np.full((30, 40), 7.0)
    np.testing.assert_allclose(niqe.matlab_imresize_half(constant), np.full((15, 20), 7.0))
    # Away from the borders, the (normalised, symmetric) kernel reproduces a linear ramp at
    # MATLAB's sample centres: output i sits at input coordinate 2 * i + 0.5 (0-based).
    ramp = np.add.outer(np.arange(32.0), 10 * np.arange(32.0))
    half = niqe.matlab_imresize_half(ramp)
    centres = 2 * np.arange(16) + 0.5
    np.testing.assert_allclose(half[3:-3, 3:-3], np.add.outer(centres, 10 * centres)[3:-3, 3:-3], atol=1e-9)


def test_niqe_rejects_tiny_images():
    with pytest.raises(ValueError, match="at least 192x192"):
        niqe.niqe(np.zeros((100, 300, 3), np.uint8))


def test_psnr_and_y_variants_known_values():
    a = tf.zeros((1, 16, 16, 3))
    b = tf.fill((1, 16, 16, 3), 0.1)
    np.testing.assert_allclose(metrics.psnr(a, b).numpy(), [20.0], atol=1e-4)
    white = tf.ones((1, 1, 1, 3))
    np.testing.assert_allclose(metrics.to_y(white).numpy().ravel(), [235 / 255], atol=1e-6)
    np.testing.assert_allclose(metrics.ssim(b, b).numpy(), [1.0], atol=1e-6)


def test_evaluate_paired_with_baselines(tmp_path, capsys):
    rng = np.random.default_rng(0)
    for side in ("low", "high"):
        (tmp_path / side).mkdir()
    for i in range(2):
        high = rng.uniform(0.2, 0.9, (200, 200, 3))
        cv2.imwrite(str(tmp_path / "high" / f"{i}.png"), np.round(high * 255).astype(np.uint8))
        cv2.imwrite(str(tmp_path / "low" / f"{i}.png"), np.round(high ** 2.5 * 255).astype(np.uint8))
    evaluate.main(["--paired", str(tmp_path / "low"), str(tmp_path / "high"), "--method", "input",
                   "--method", "gamma=best", "--csv", str(tmp_path / "m.csv"),
                   "--montage", str(tmp_path / "sheet.png")])
    table = capsys.readouterr().out
    assert "| gamma=0.4 |" in table  # 1 / 2.5: the exact inverse is on the grid
    lines = (tmp_path / "m.csv").read_text().splitlines()
    assert lines[0] == "method,image,niqe,psnr,ssim,psnr_y,ssim_y,brightness,psnr_matched,seconds"
    assert len(lines) == 5
    gamma_psnr = float(lines[3].split(",")[3])
    input_psnr = float(lines[1].split(",")[3])
    assert gamma_psnr > 40 > input_psnr
    # SSIM as papers report it: skimage's, on the 8-bit input as saved
    from skimage.metrics import structural_similarity
    low = cv2.imread(str(tmp_path / "low" / "0.png"))[..., ::-1] / 255.0
    high = cv2.imread(str(tmp_path / "high" / "0.png"))[..., ::-1] / 255.0
    expected = structural_similarity(low, high, channel_axis=2, data_range=1.0)
    assert abs(float(lines[1].split(",")[4]) - expected) < 1e-5
    # brightness: output mean / reference mean; psnr_matched: the output scaled to that mean
    brightness, matched = map(float, lines[1].split(",")[7:9])
    assert brightness == pytest.approx(low.mean() / high.mean(), rel=1e-6)
    scaled = np.round(np.clip(low / brightness, 0, 1) * 255) / 255
    assert matched == pytest.approx(10 * np.log10(1 / np.mean((scaled - high) ** 2)), abs=1e-4)
    assert matched > float(lines[1].split(",")[3])  # a darker output gains from the scaling
    sheet = cv2.imread(str(tmp_path / "sheet.png"))
    assert sheet is not None and sheet.shape[1] > 3 * sheet.shape[0] / 2  # input | 2 methods | ref


def test_evaluate_input_noise_scores_noisier_inputs_reproducibly(tmp_path, capsys):
    image = np.random.default_rng(0).integers(20, 60, (200, 200, 3), dtype=np.uint8)
    for side in ("low", "high"):
        (tmp_path / side).mkdir()
        cv2.imwrite(str(tmp_path / side / "0.png"), image)
    rows = []
    for noise in ([], ["--input-noise", "3000"], ["--input-noise", "3000"]):
        evaluate.main(["--paired", str(tmp_path / "low"), str(tmp_path / "high"), "--method",
                       "input", "--csv", str(tmp_path / "m.csv"), *noise])
        rows.append((tmp_path / "m.csv").read_text().splitlines()[1].split(",")[3])
    capsys.readouterr()
    assert rows[0] == "inf" or float(rows[0]) > 60  # identical images
    assert rows[1] == rows[2] and 20 < float(rows[1]) < 60


def test_evaluate_errors_name_the_option_or_the_image(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["--unpaired", str(tmp_path), "--input-noise", "0"])
    assert exit_info.value.code == 2 and "photon count must be positive" in capsys.readouterr().err
    cv2.imwrite(str(tmp_path / "flat.png"), np.full((200, 200, 3), 40, np.uint8))  # NIQE: no texture
    with pytest.raises(SystemExit) as exit_info:
        evaluate.main(["--unpaired", str(tmp_path), "--method", "input"])
    message = str(exit_info.value.code)
    assert message.startswith("gladnet-evaluate: error: ") and "flat.png: scoring input: " in message
