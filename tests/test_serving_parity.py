"""Serving parity: the exported SavedModel's enhance_image, loaded in a fresh process, returns
gladnet-enhance's 8-bit pixels (shipped weights) for every format it accepts, turned the way the
CLI turns them, and a clear error for formats it does not."""
import os
import struct
import subprocess
import sys

import cv2
import numpy as np
import pytest

from gladnet_tf import export
from gladnet_tf.inference import shipped_weights

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SAMPLE = os.path.join(REPO, "samples", "sice_1489.jpg")
BIN = os.path.dirname(sys.executable)

CLIENT = r"""
import sys
import tensorflow as tf
signature = tf.saved_model.load(sys.argv[1]).signatures["enhance_image"]
for path in sys.argv[2:]:
    try:
        png = signature(image_bytes=tf.constant([open(path, "rb").read()]))["png"].numpy()[0]
        open(path + ".served.png", "wb").write(png)
    except tf.errors.InvalidArgumentError as error:
        open(path + ".error.txt", "w").write(error.message)
"""


def exif_orientation_6(data):
    tiff = b"II" + struct.pack("<HIH", 42, 8, 1) + struct.pack("<HHIHH", 0x0112, 3, 1, 6, 0) + b"\0" * 4
    app1 = b"Exif\x00\x00" + tiff
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]


def variants(folder):
    """The sample as each format the signature accepts, and two it refuses."""
    bgr = cv2.resize(cv2.imread(SAMPLE), (320, 240), interpolation=cv2.INTER_AREA)
    encode = lambda ext, image, *params: cv2.imencode(ext, image, list(params))[1].tobytes()  # noqa: E731
    files = {
        "jpeg_420.jpg": encode(".jpg", bgr, cv2.IMWRITE_JPEG_QUALITY, 90),
        "jpeg_444.jpg": encode(".jpg", bgr, cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444),
        "jpeg_progressive.jpg": encode(".jpg", bgr, cv2.IMWRITE_JPEG_PROGRESSIVE, 1),
        "jpeg_orientation_6.jpg": exif_orientation_6(encode(".jpg", bgr[:, :200])),
        "png_8.png": encode(".png", bgr),
        "png_16.png": encode(".png", bgr.astype(np.uint16) * 257 + 100),
        "bmp.bmp": encode(".bmp", bgr),
        "tiff.tif": encode(".tif", bgr),
        "webp.webp": encode(".webp", bgr),
        "gif.gif": b"GIF89a" + bytes(64),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return sorted(files)


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    folder = tmp_path_factory.mktemp("parity")
    names = variants(folder)
    exported = export.export_saved_model(export.load_model(shipped_weights()), str(folder / "export"))
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    subprocess.run([sys.executable, "-c", CLIENT, exported, *(str(folder / n) for n in names)],
                   check=True, env=env, timeout=600)
    accepted = [str(folder / n) for n in names if n.split(".")[-1] in ("jpg", "png", "bmp", "webp")]
    subprocess.run([os.path.join(BIN, "gladnet-enhance"), *accepted, "--output-dir", str(folder / "cli"),
                    "--precision", "float32"],
                   check=True, env=env, timeout=600, capture_output=True)
    return folder


@pytest.mark.parametrize("name", ["jpeg_420.jpg", "jpeg_444.jpg", "jpeg_progressive.jpg",
                                  "jpeg_orientation_6.jpg", "png_8.png", "png_16.png", "bmp.bmp",
                                  "webp.webp"])
def test_served_pixels_equal_the_cli_within_one_level(served, name):
    server = cv2.imread(str(served / f"{name}.served.png"), cv2.IMREAD_UNCHANGED)
    cli = cv2.imread(str(served / "cli" / (os.path.splitext(name)[0] + ".png")), cv2.IMREAD_UNCHANGED)
    assert cli.dtype == np.uint8 and server.shape == cli.shape
    if name == "jpeg_orientation_6.jpg":
        assert server.shape[:2] == (200, 240)  # stored 240x200 sideways, served upright
    assert np.abs(server.astype(int) - cli.astype(int)).max() <= 1
    assert server.mean() > 1.5 * cv2.imread(str(served / name)).mean()  # it did enhance


@pytest.mark.parametrize("name", ["tiff.tif", "gif.gif"])
def test_other_formats_get_a_clear_error(served, name):
    assert not (served / f"{name}.served.png").exists()
    assert "unsupported image format: send PNG, JPEG, BMP or WebP" in (served / f"{name}.error.txt").read_text()
