"""gladnet-enhance: outputs, never overwriting, one clear line per bad file, batch goes on."""
import os

import cv2
import numpy as np
import pytest

from gladnet_tf import enhance, imageio
from gladnet_tf.model import build_gladnet


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("w") / "gladnet.weights.h5")
    build_gladnet().save_weights(path)
    return path


def _photo(path, shape=(40, 60, 3), dtype=np.uint8):
    top = np.iinfo(dtype).max
    image = (np.random.default_rng(0).uniform(size=shape) * top * 0.2).astype(dtype)
    cv2.imwrite(str(path), image)
    return path


def test_enhances_folder_and_never_overwrites(tmp_path, weights, capsys):
    src = tmp_path / "in"
    src.mkdir()
    _photo(src / "a.png")
    _photo(src / "b.jpg")
    out = tmp_path / "out"
    args = [str(src), "--output-dir", str(out), "--weights", weights]
    assert enhance.main(args) == 0
    assert sorted(os.listdir(out)) == ["a.png", "b.png"]
    assert cv2.imread(str(out / "a.png")).shape == (40, 60, 3)
    before = (out / "a.png").read_bytes()
    (out / "a.png").write_bytes(b"mine")
    assert enhance.main(args) == 0
    assert (out / "a.png").read_bytes() == b"mine"
    assert "done 0, skipped 2, failed 0" in capsys.readouterr().out
    assert enhance.main(args + ["--overwrite"]) == 0
    assert (out / "a.png").read_bytes() == before


def test_bad_inputs_fail_one_line_each_and_batch_continues(tmp_path, weights, capsys):
    src = tmp_path / "in"
    src.mkdir()
    _photo(src / "good.png")
    (src / "empty.png").write_bytes(b"")
    (src / "text.jpg").write_text("not an image")
    good = (src / "good.png").read_bytes()
    (src / "truncated.png").write_bytes(good[: len(good) // 2])
    (src / "zero.dng").write_bytes(b"")
    (src / "garbage.nef").write_bytes(b"\0" * 1000)
    _photo(src / "tiny.png", shape=(1, 1, 3))
    out = tmp_path / "out"
    status = enhance.main([str(src), str(tmp_path / "missing.png"), "--output-dir", str(out),
                           "--weights", weights])
    captured = capsys.readouterr()
    assert status == 1
    errors = [line for line in captured.err.splitlines() if ": " in line and "NOTE" not in line]
    for name, reason in [("empty.png", "empty file"), ("text.jpg", "not a readable image"),
                         ("truncated.png", "not a readable image"), ("zero.dng", "empty file"),
                         ("garbage.nef", "not a readable RAW"), ("missing.png", "no such file")]:
        assert any(name in line and reason in line for line in errors), (name, errors)
    assert "Traceback" not in captured.err
    assert sorted(os.listdir(out)) == ["good.png", "tiny.png"]  # no partial outputs
    assert "done 2, skipped 0, failed 6" in captured.out


def test_suffix_writes_beside_input_and_16_bit(tmp_path, weights):
    _photo(tmp_path / "deep.png", dtype=np.uint16)
    assert enhance.main([str(tmp_path / "deep.png"), "--suffix", "_glad", "--bits", "16",
                         "--weights", weights]) == 0
    out = cv2.imread(str(tmp_path / "deep_glad.png"), cv2.IMREAD_UNCHANGED)
    assert out.dtype == np.uint16 and out.shape == (40, 60, 3)


def test_output_dir_or_suffix_required(tmp_path):
    with pytest.raises(SystemExit):
        enhance.main([str(tmp_path)])


def test_read_image_applies_exif_orientation_and_drops_alpha(tmp_path):
    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[..., 2] = 200  # red in BGR(A)
    rgba[..., 3] = 10
    cv2.imwrite(str(tmp_path / "a.png"), rgba)
    image, bits = imageio.read_image(str(tmp_path / "a.png"))
    assert image.shape == (4, 6, 3) and bits == 8
    np.testing.assert_allclose(image[0, 0], [200 / 255, 0, 0])
    # A JPEG with EXIF orientation 6 (rotate 90 degrees clockwise) is read upright.
    jpeg = cv2.imencode(".jpg", np.zeros((8, 16, 3), np.uint8))[1].tobytes()
    exif = (b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0")
    app1 = b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif
    (tmp_path / "rot.jpg").write_bytes(jpeg[:2] + app1 + jpeg[2:])
    assert imageio.read_image(str(tmp_path / "rot.jpg"))[0].shape == (16, 8, 3)


def test_write_is_atomic_on_failure(tmp_path):
    with pytest.raises(imageio.ImageError, match="JPEG cannot hold 16 bits"):
        imageio.write_image(str(tmp_path / "x.jpg"), np.zeros((2, 2, 3)), bits=16)
    assert os.listdir(tmp_path) == []


def test_huge_declared_size_and_unreadable_folder(tmp_path, weights, capsys, monkeypatch):
    import zlib
    ihdr = (100_000).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    chunk = b"IHDR" + ihdr
    png = b"\x89PNG\r\n\x1a\n" + len(ihdr).to_bytes(4, "big") + chunk + zlib.crc32(chunk).to_bytes(4, "big")
    (tmp_path / "huge.png").write_bytes(png)
    with pytest.raises(imageio.ImageError, match="declares 100000x100000 pixels"):
        imageio.read_image(str(tmp_path / "huge.png"))
    # Root can read any folder, so the permission error is simulated where os.walk meets it.
    real_walk = os.walk
    def walk(top, onerror=None, **kwargs):
        onerror(PermissionError(13, "Permission denied", str(tmp_path / "locked")))
        yield from real_walk(top, onerror=onerror, **kwargs)
    monkeypatch.setattr(enhance.os, "walk", walk)
    assert enhance.main([str(tmp_path), "--output-dir", str(tmp_path / "out"), "--weights", weights]) == 1
    err = capsys.readouterr().err
    assert "locked: folder is not readable (permission denied)" in err
    assert "huge.png: declares 100000x100000 pixels" in err


def test_shipped_weights_brighten_real_low_light_samples():
    """Dark real scenes with a light source (window, lamps, sky) are brightened, shadows most:
    weights trained only on uniformly darkened pairs leave them nearly as they are (~1.1-1.3x)."""
    from gladnet_tf.inference import Enhancer, shipped_weights
    assert shipped_weights() is not None, "no weights shipped in gladnet_tf/weights/"
    enhancer = Enhancer(shipped_weights())
    samples = os.path.join(os.path.dirname(__file__), "..", "samples")
    for name in ("sice_1167.jpg", "sice_1489.jpg", "mef_chinese_garden3.png", "kluki1.png"):
        image = cv2.resize(imageio.read_image(os.path.join(samples, name))[0], (192, 128))
        output = enhancer(image)
        assert output.mean() > 1.6 * image.mean(), name
        dark = image.mean(-1) < 0.05
        assert output.mean(-1)[dark].mean() > 3 * image.mean(-1)[dark].mean(), name
