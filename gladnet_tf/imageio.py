"""Read and write images: PNG/JPEG/BMP/TIFF through OpenCV, camera RAW through rawpy.

Images are float32 RGB in [0, 1], shape (H, W, 3). Grayscale is expanded to RGB, alpha is dropped,
EXIF orientation is applied. Every failure is an `ImageError` whose message names the file.
"""
import hashlib
import io
import os

import cv2
import numpy as np

from gladnet_tf.atomic import atomic_path
from gladnet_tf.synthesis import srgb_to_linear

RAW_EXTENSIONS = frozenset(
    ".dng .nef .nrw .cr2 .cr3 .crw .arw .srf .sr2 .orf .rw2 .raf .kdc .dcr .pef .srw .x3f .3fr "
    ".mef .mrw .erf .iiq .rwl".split())
IMAGE_EXTENSIONS = frozenset(".png .jpg .jpeg .bmp .tif .tiff .webp".split())
WRITE_EXTENSIONS = frozenset(".png .jpg .jpeg .tif .tiff".split())
MAX_PIXELS = 1 << 28  # 268 MP: larger declared sizes are refused before decoding


class ImageError(Exception):
    """An image could not be read or written; the message is `file: reason`."""


def is_supported(path):
    ext = os.path.splitext(path)[1].lower()
    return ext in RAW_EXTENSIONS or ext in IMAGE_EXTENSIONS


def is_raw(path):
    return os.path.splitext(path)[1].lower() in RAW_EXTENSIONS


def _check_nonempty(path):
    try:
        size = os.path.getsize(path)
    except OSError as error:
        raise ImageError(f"{path}: {error.strerror.lower()}") from None
    if size == 0:
        raise ImageError(f"{path}: empty file")


def read_image(path):
    """Returns (float32 RGB image in [0, 1], bits per sample of the source: 8 or 16).

    RAW files are rendered as a camera would: camera white balance, sRGB tone curve.
    """
    _check_nonempty(path)
    if is_raw(path):
        return _read_raw(path, linear=False), 16
    return _read_bitmap(np.fromfile(path, np.uint8), path)


def decode_image(data, path):
    """`read_image` for a file's bytes (e.g. from Beam's file systems); `path` names the file in
    errors and, by its extension, marks camera RAW."""
    if not data:
        raise ImageError(f"{path}: empty file")
    if is_raw(path):
        return _read_raw(io.BytesIO(data), linear=False, name=path), 16
    return _read_bitmap(np.frombuffer(data, np.uint8), path)


def read_linear(path):
    """Linear-light float32 RGB in [0, 1]: RAW decoded linearly (camera white balance, no
    auto-brightening, 16 bit), other images through the inverse sRGB curve."""
    _check_nonempty(path)
    if is_raw(path):
        return _read_raw(path, linear=True)
    return srgb_to_linear(_read_bitmap(np.fromfile(path, np.uint8), path)[0])


def declared_size(header):
    """(width, height) a PNG header declares, or None for other formats."""
    if header[:8] == b"\x89PNG\r\n\x1a\n" and len(header) >= 24:
        return int.from_bytes(header[16:20], "big"), int.from_bytes(header[20:24], "big")
    return None


def _read_bitmap(data, path):
    size = declared_size(data[:24].tobytes())
    if size and size[0] * size[1] > MAX_PIXELS:
        raise ImageError(f"{path}: declares {size[0]}x{size[1]} pixels, over the {MAX_PIXELS} limit")
    image = cv2.imdecode(data, cv2.IMREAD_COLOR | cv2.IMREAD_ANYDEPTH)
    if image is None:
        raise ImageError(f"{path}: not a readable image (corrupt, truncated or unsupported format)")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise ImageError(f"{path}: {image.shape[1]}x{image.shape[0]} exceeds {MAX_PIXELS} pixels")
    rgb = cv2.cvtColor(image, cv2.COLOR_BGR2RGB, dst=image)  # in place: big photos stay lean
    if rgb.dtype == np.uint8:
        return np.multiply(rgb, np.float32(1 / 255.0), dtype=np.float32), 8
    if rgb.dtype == np.uint16:
        return np.multiply(rgb, np.float32(1 / 65535.0), dtype=np.float32), 16
    return np.clip(rgb.astype(np.float32), 0.0, 1.0), 16


def _read_raw(source, linear, name=None):
    """`source`: a path or a file object (then `name` names it in errors)."""
    import rawpy  # imported lazily: only RAW input needs it

    path = name or source
    # adjust_maximum_thr=0: keep the white level as recorded, not the brightest pixel found.
    options = dict(gamma=(1, 1), no_auto_bright=True, adjust_maximum_thr=0.0) if linear else {}
    try:
        with rawpy.imread(source) as raw:
            rgb = raw.postprocess(use_camera_wb=True, output_bps=16, **options)
    except (rawpy.LibRawError, OSError, ValueError) as error:
        raise ImageError(f"{path}: not a readable RAW file ({type(error).__name__})") from None
    return rgb.astype(np.float32) / 65535.0


def pair_files(low_dir, high_dir):
    """[(low, high)] matched by file name without extension; a missing partner is an error."""
    def stems(folder):
        try:
            names = sorted(n for n in os.listdir(folder) if is_supported(n))
        except OSError as error:
            raise ImageError(f"{folder}: {error.strerror.lower()}") from None
        return {os.path.splitext(n)[0]: os.path.join(folder, n) for n in names}

    low, high = stems(low_dir), stems(high_dir)
    for name in sorted(set(low) ^ set(high)):
        have, lack = (low, high_dir) if name in low else (high, low_dir)
        raise ImageError(f"{have[name]}: no partner named {name}.* in {lack}")
    if not low:
        raise ImageError(f"{low_dir}: no images")
    return [(low[name], high[name]) for name in sorted(low)]


def hash_split(pairs, validation_percent=15):
    """{"train": [...], "validation": [...]}: a stable hold-out of about `validation_percent` % by
    the low image's content hash, never by listing order or name; two or more pairs always leave
    one (the lowest hash) out. The `paired_images` builder's split."""
    def key(path):
        with open(path, "rb") as file:
            return int(hashlib.sha256(file.read()).hexdigest()[:8], 16) % 100

    keys = [key(low) for low, _ in pairs]
    held = {i for i, k in enumerate(keys) if k < validation_percent}
    if not held and len(pairs) > 1:
        held = {keys.index(min(keys))}
    splits = {"train": [p for i, p in enumerate(pairs) if i not in held],
              "validation": [p for i, p in enumerate(pairs) if i in held]}
    return {name: items for name, items in splits.items() if items}


def to_uint(image, bits, rows=256):
    """Quantises a [0, 1] float image to uint8 or uint16 with rounding (in row chunks, so a
    24 MP image needs no full-size float temporaries)."""
    top, dtype = (255.0, np.uint8) if bits == 8 else (65535.0, np.uint16)
    out = np.empty(image.shape, dtype)
    for start in range(0, image.shape[0], rows):
        chunk = np.clip(image[start:start + rows], 0.0, 1.0) * top
        out[start:start + rows] = np.round(chunk, out=chunk)
    return out


def write_image(path, image, bits=8, overwrite=False, quality=95):
    """Writes float RGB in [0, 1] atomically. 16-bit needs PNG or TIFF."""
    ext = os.path.splitext(path)[1].lower()
    if ext not in WRITE_EXTENSIONS:
        raise ImageError(f"{path}: cannot write {ext or 'files without extension'} "
                         f"(use {', '.join(sorted(WRITE_EXTENSIONS))})")
    if bits == 16 and ext in (".jpg", ".jpeg"):
        raise ImageError(f"{path}: JPEG cannot hold 16 bits (use .png or .tif)")
    encoded = encode_image(image, path, bits, quality)
    with atomic_path(path, overwrite) as tmp:
        encoded.tofile(tmp)


def encode_image(image, path, bits=8, quality=95):
    """The bytes (a uint8 array) `write_image` writes to `path`, in the format of its extension."""
    ext = os.path.splitext(path)[1].lower()
    quantised = to_uint(image, bits)
    bgr = cv2.cvtColor(quantised, cv2.COLOR_RGB2BGR, dst=quantised)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if ext in (".jpg", ".jpeg") else []
    ok, encoded = cv2.imencode(ext, bgr, params)
    if not ok:
        raise ImageError(f"{path}: encoding failed")
    return encoded
