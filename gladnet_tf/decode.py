"""Encoded image bytes -> float32 RGB in [0, 1] inside TensorFlow graphs (the serving signature,
tf.data), by the rule `imageio.read_image` follows through OpenCV, and tested equal to it:

- JPEG with libjpeg's accurate integer IDCT (`tf.io.decode_image`'s default fast IDCT differs by
  up to 21 levels, which brightening amplifies), EXIF orientation applied (phones store portrait
  photos sideways with orientation 6);
- PNG, 8 and 16 bit (alpha dropped); BMP; WebP (still images, alpha dropped);
- anything else (TIFF, GIF, ...) fails with an InvalidArgumentError that says so.
"""
import tensorflow as tf

FORMATS = "PNG, JPEG, BMP or WebP"
EXIF_SEARCH_BYTES = 65536  # the APP1 segment that holds EXIF comes first and is at most 64 KB
# The orientation entry of an IFD: tag 0x0112, type SHORT, count 1, then the value.
_ORIENTATION_LE = (0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00)  # value at +8
_ORIENTATION_BE = (0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01)  # value at +9


def image_format(encoded):
    """'jpeg', 'png', 'bmp', 'webp' or '' (anything else), from the first bytes."""
    head = tf.strings.substr(encoded, 0, 4)
    riff_type = tf.strings.substr(tf.strings.substr(encoded, 0, 12) + b"\0" * 12, 8, 4)  # short-safe
    webp = tf.logical_and(tf.equal(head, b"RIFF"), tf.equal(riff_type, b"WEBP"))
    return tf.case([
        (webp, lambda: tf.constant("webp")),
        (tf.equal(tf.strings.substr(head, 0, 3), b"\xff\xd8\xff"), lambda: tf.constant("jpeg")),
        (tf.equal(head, b"\x89PNG"), lambda: tf.constant("png")),
        (tf.equal(tf.strings.substr(head, 0, 2), b"BM"), lambda: tf.constant("bmp")),
    ], default=lambda: tf.constant(""))


def _first_match(data, pattern):
    """Index of the first occurrence of `pattern` (bytes) in a uint8 vector, or -1."""
    size = tf.shape(data)[0] - len(pattern) - 1
    if_found = tf.ones(tf.maximum(size, 0), tf.bool)
    for offset, value in enumerate(pattern):
        if_found &= tf.equal(data[offset:offset + tf.maximum(size, 0)], value)
    hits = tf.where(if_found)
    return tf.cond(tf.size(hits) > 0, lambda: tf.cast(hits[0, 0], tf.int32), lambda: tf.constant(-1))


def exif_orientation(encoded):
    """The EXIF orientation (1-8) of JPEG bytes; 1 when there is none."""
    data = tf.io.decode_raw(tf.strings.substr(encoded, 0, EXIF_SEARCH_BYTES), tf.uint8)
    little, big = _first_match(data, _ORIENTATION_LE), _first_match(data, _ORIENTATION_BE)
    position = tf.case([
        (tf.logical_and(little >= 0, tf.logical_or(big < 0, little < big)), lambda: little + 8),
        (big >= 0, lambda: big + 9),
    ], default=lambda: tf.constant(-1))
    value = tf.cond(position >= 0, lambda: tf.cast(data[position], tf.int32), lambda: tf.constant(1))
    return tf.where((value >= 1) & (value <= 8), value, 1)


def orient(image, orientation):
    """Applies an EXIF orientation (1-8) to an (H, W, C) image, as OpenCV does when it reads.
    (tf.reverse and tf.transpose only: tf.image's rotations add assertions, stateful ops that a
    checkpointed tf.data iterator cannot hold.)"""
    flipped = lambda x, axes: tf.reverse(x, axes)  # noqa: E731
    transposed = lambda: tf.transpose(image, (1, 0, 2))  # noqa: E731
    transforms = [
        lambda: image,                            # 1: as stored
        lambda: flipped(image, [1]),              # 2: mirrored
        lambda: flipped(image, [0, 1]),           # 3: upside down
        lambda: flipped(image, [0]),              # 4: mirrored, upside down
        transposed,                               # 5: transposed
        lambda: flipped(transposed(), [1]),       # 6: turned 90 degrees clockwise
        lambda: flipped(transposed(), [0, 1]),    # 7: transversed
        lambda: flipped(transposed(), [0]),       # 8: turned 90 degrees counter-clockwise
    ]
    return tf.switch_case(orientation - 1, transforms)


def check_format(encoded):
    """Fails with a clear InvalidArgumentError unless the bytes are PNG, JPEG, BMP or WebP. (Apart from
    `decode`: the assertion is a stateful op, which a checkpointed tf.data iterator cannot hold.)"""
    return tf.debugging.assert_greater(tf.strings.length(image_format(encoded)), 0,
                                       message=f"unsupported image format: send {FORMATS} bytes")


def decode(encoded):
    """Encoded PNG/JPEG/BMP/WebP bytes (a scalar string) -> float32 RGB (H, W, 3) in [0, 1]. Other
    bytes fail in the BMP decoder; `check_format` first gives the clearer error."""
    kind = image_format(encoded)

    def jpeg():
        image = tf.io.decode_jpeg(encoded, channels=3, dct_method="INTEGER_ACCURATE")
        return tf.image.convert_image_dtype(orient(image, exif_orientation(encoded)), tf.float32)

    def png():  # the IHDR's bit depth (byte 24) picks the integer type, so values scale as OpenCV's
        sixteen = tf.equal(tf.strings.substr(encoded, 24, 1), b"\x10")
        decoded = lambda dtype: tf.image.convert_image_dtype(  # noqa: E731
            tf.io.decode_png(encoded, channels=3, dtype=dtype), tf.float32)
        return tf.cond(sixteen, lambda: decoded(tf.uint16), lambda: decoded(tf.uint8))

    def bmp():
        return tf.image.convert_image_dtype(tf.io.decode_bmp(encoded, channels=3), tf.float32)

    def webp():  # one frame (N, H, W, C) with the file's own channels, 3 or 4
        return tf.image.convert_image_dtype(tf.io.decode_webp(encoded)[0, :, :, :3], tf.float32)

    image = tf.case([(tf.equal(kind, "jpeg"), jpeg), (tf.equal(kind, "png"), png),
                     (tf.equal(kind, "webp"), webp)], default=bmp)
    image.set_shape((None, None, 3))
    return image
