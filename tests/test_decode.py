"""Graph-side decoding (serving signature, tf.data) equals what gladnet-enhance reads through
OpenCV: JPEG 4:2:0 / 4:4:4 / progressive / grayscale, EXIF orientations, PNG 8/16 bit, BMP."""
import struct

import cv2
import numpy as np
import pytest
import tensorflow as tf

from gladnet_tf import decode, imageio


def photo(height=60, width=100, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width] / max(height, width)
    base = np.stack([x, y, 0.5 + 0.4 * np.sin(9 * x * y)], -1)
    return np.clip(base + rng.normal(0, 0.08, base.shape), 0, 1)


def jpeg(image, *params):
    ok, data = cv2.imencode(".jpg", np.round(image[..., ::-1] * 255).astype(np.uint8),
                            [cv2.IMWRITE_JPEG_QUALITY, 90, *params])
    return data.tobytes()


def with_orientation(data, orientation, little_endian=True):
    """JPEG bytes with an APP1 EXIF segment holding only the orientation tag."""
    order, pack = (b"II", "<") if little_endian else (b"MM", ">")
    tiff = order + struct.pack(pack + "HI", 42, 8) + struct.pack(pack + "H", 1) + \
        struct.pack(pack + "HHIHH", 0x0112, 3, 1, orientation, 0) + struct.pack(pack + "I", 0)
    app1 = b"Exif\x00\x00" + tiff
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]


def read_with_opencv(tmp_path, data, suffix):
    path = tmp_path / f"image{suffix}"
    path.write_bytes(data)
    return imageio.read_image(str(path))[0]


def graph_decode(data):
    def checked(encoded):
        with tf.control_dependencies([decode.check_format(encoded)]):
            return decode.decode(encoded)
    return tf.function(checked)(tf.constant(data)).numpy()


CASES = {
    "jpeg_420": lambda: jpeg(photo()),
    "jpeg_444": lambda: jpeg(photo(), cv2.IMWRITE_JPEG_SAMPLING_FACTOR, cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444),
    "jpeg_progressive": lambda: jpeg(photo(), cv2.IMWRITE_JPEG_PROGRESSIVE, 1),
    "jpeg_odd_size": lambda: jpeg(photo(37, 53)),
    "jpeg_gray": lambda: cv2.imencode(".jpg", np.round(photo()[..., 0] * 255).astype(np.uint8))[1].tobytes(),
    "png_8": lambda: cv2.imencode(".png", np.round(photo() * 255).astype(np.uint8))[1].tobytes(),
    "png_16": lambda: cv2.imencode(".png", np.round(photo() * 65535).astype(np.uint16))[1].tobytes(),
    "png_rgba": lambda: cv2.imencode(".png", np.round(np.dstack([photo(), photo()[..., :1]]) * 255)
                                     .astype(np.uint8))[1].tobytes(),
    "bmp": lambda: cv2.imencode(".bmp", np.round(photo() * 255).astype(np.uint8))[1].tobytes(),
    "webp_lossless": lambda: cv2.imencode(".webp", np.round(photo() * 255).astype(np.uint8),
                                          (cv2.IMWRITE_WEBP_QUALITY, 101))[1].tobytes(),
    "webp_lossy": lambda: cv2.imencode(".webp", np.round(photo(37, 53) * 255).astype(np.uint8),
                                       (cv2.IMWRITE_WEBP_QUALITY, 80))[1].tobytes(),
    "webp_rgba": lambda: cv2.imencode(".webp", np.round(np.dstack([photo(), photo()[..., :1]]) * 255)
                                      .astype(np.uint8), (cv2.IMWRITE_WEBP_QUALITY, 101))[1].tobytes(),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_graph_decode_equals_opencv(tmp_path, case):
    data = CASES[case]()
    suffix = ".jpg" if case.startswith("jpeg") else "." + case.split("_")[0]
    np.testing.assert_array_equal(graph_decode(data), read_with_opencv(tmp_path, data, suffix))


@pytest.mark.parametrize("orientation", range(1, 9))
@pytest.mark.parametrize("little_endian", [True, False])
def test_exif_orientation_is_applied_as_opencv_does(tmp_path, orientation, little_endian):
    data = with_orientation(jpeg(photo()), orientation, little_endian)
    expected = read_with_opencv(tmp_path, data, ".jpg")
    if orientation >= 5:
        assert expected.shape[:2] == (100, 60)  # the check has teeth: OpenCV turned it
    np.testing.assert_array_equal(graph_decode(data), expected)


def test_jpeg_differs_with_tensorflows_default_idct():
    """Why the accurate IDCT matters: the default decoder gives other pixels."""
    data = jpeg(photo())
    fast = tf.io.decode_image(data, channels=3, dtype=tf.float32).numpy()
    assert np.abs(fast - graph_decode(data)).max() > 0


@pytest.mark.parametrize("data", [b"II*\x00" + b"\x00" * 64, b"RIFF0000WAVEfmt ", b"GIF89a" + b"\x00" * 20, b""])
def test_other_formats_fail_with_a_clear_message(data):
    with pytest.raises(tf.errors.InvalidArgumentError, match="unsupported image format: send PNG, JPEG, BMP or WebP"):
        graph_decode(data)


def test_truncated_webp_fails():
    data = CASES["webp_lossless"]()
    with pytest.raises(tf.errors.InvalidArgumentError):
        graph_decode(data[:len(data) // 2])
