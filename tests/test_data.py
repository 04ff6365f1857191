"""tf.data pipeline: the original's 8 augmentations, aligned crops, determinism, folder pairing."""
import cv2
import numpy as np
import pytest
import tensorflow as tf

from gladnet_tf import data, imageio
from gladnet_tf.decode import decode


def original_augmentation(image, mode):
    """The authors' utils.data_augmentation, verbatim in behaviour."""
    k = {0: 0, 1: 0, 2: 1, 3: 1, 4: 2, 5: 2, 6: 3, 7: 3}[mode]
    image = np.rot90(image, k=k)
    return np.flipud(image) if mode % 2 else image


@pytest.mark.parametrize("mode", range(8))
def test_augment_matches_original(mode):
    image = np.arange(4 * 5 * 2, dtype=np.float32).reshape(4, 5, 2)
    np.testing.assert_array_equal(data.augment(tf.constant(image), tf.constant(mode)).numpy(),
                                  original_augmentation(image, mode))


def _pairs(sizes, seed=0):
    """Encoded (low, 255 - low) PNG pairs of the given sizes."""
    rng = np.random.default_rng(seed)
    lows = [rng.integers(0, 256, size + (3,), dtype=np.uint8) for size in sizes]
    encode = lambda im: cv2.imencode(".png", im)[1].tobytes()  # noqa: E731
    return tf.data.Dataset.from_tensor_slices(
        ([encode(lo) for lo in lows], [encode(255 - lo) for lo in lows]))


def test_training_batches_are_aligned_and_deterministic():
    pairs = _pairs([(40, 50), (64, 33), (10, 10)])  # the 10x10 image is too small: skipped
    first = list(data.training(pairs, 32, 4, seed=3).take(3).as_numpy_iterator())
    again = list(data.training(pairs, 32, 4, seed=3).take(3).as_numpy_iterator())
    other = list(data.training(pairs, 32, 4, seed=4).take(3).as_numpy_iterator())
    for (low, high), (low2, high2) in zip(first, again):
        assert low.shape == high.shape == (4, 32, 32, 3) and low.dtype == np.float32
        np.testing.assert_allclose(low + high, 1.0, atol=1e-6)  # same crop and mode for both
        np.testing.assert_array_equal(low, low2)
    assert not all(np.array_equal(a[0], b[0]) for a, b in zip(first, other))


def test_image_size_of_png_and_jpeg():
    image = np.zeros((37, 53, 3), np.uint8)
    for ext in (".png", ".jpg"):
        assert data.image_size(cv2.imencode(ext, image)[1].tobytes()) == (37, 53)


def test_downscale_and_largest_patch():
    pairs = _pairs([(40, 50), (64, 33)])
    assert data.largest_patch(pairs) == 40
    low, high = next(iter(data.training(pairs, 20, 1, scale=0.5)))
    assert low.shape == (1, 20, 20, 3)  # 64x33 -> 32x16 is too small for 20: only 20x25 fits
    np.testing.assert_allclose(low + high, 1.0, atol=1e-5)


def test_drawn_downscale_varies_per_pair_and_is_seeded():
    checker = (np.indices((64, 64)).sum(0) % 2 * 255).astype(np.uint8)  # 1-pixel checkerboard
    image = cv2.imencode(".png", np.dstack([checker] * 3))[1].tobytes()
    pairs = tf.data.Dataset.from_tensor_slices(([image], [image]))
    spread = lambda batches: {round(float(lo.std()), 4) for lo, _ in batches}  # noqa: E731
    fixed = list(data.training(pairs, 16, 1, scale=1.0).take(6).as_numpy_iterator())
    drawn = list(data.training(pairs, 16, 1, scale=1.0, min_scale=0.55).take(6).as_numpy_iterator())
    again = list(data.training(pairs, 16, 1, scale=1.0, min_scale=0.55).take(6).as_numpy_iterator())
    assert spread(fixed) == {0.5}  # full scale: the checkerboard itself
    assert len(spread(drawn)) == 6  # area averaging blurs it by each pair's own factor
    for (low, high), (low2, _) in zip(drawn, again):
        np.testing.assert_array_equal(low, high)
        np.testing.assert_array_equal(low, low2)


def test_modes_are_all_used():
    pairs = _pairs([(8, 8)])
    image = decode(next(iter(pairs))[0])
    variants = {data.augment(image, tf.constant(m)).numpy().tobytes() for m in range(8)}
    assert len(variants) == 8
    seen = set()
    for low, _ in data.training(pairs, 8, 1, seed=0).take(64).as_numpy_iterator():
        seen.add((low[0] * 255).round().astype(np.uint8).tobytes())
    assert len(seen) == 8


def test_folders_pair_by_name_and_decode_16_bit(tmp_path):
    (tmp_path / "low").mkdir()
    (tmp_path / "high").mkdir()
    for name in ("a", "b"):
        cv2.imwrite(str(tmp_path / "low" / f"{name}.png"), np.full((6, 7, 3), 1000, np.uint16))
        cv2.imwrite(str(tmp_path / "high" / f"{name}.jpg"), np.full((6, 7, 3), 200, np.uint8))
    pairs, count = data.from_folders(str(tmp_path / "low"), str(tmp_path / "high"))
    low, high = next(iter(data.validation(pairs)))
    assert count == 2 and low.shape == (1, 6, 7, 3)
    np.testing.assert_allclose(low.numpy(), 1000 / 65535, atol=1e-6)
    np.testing.assert_allclose(high.numpy(), 200 / 255, atol=2 / 255)
    assert data.largest_patch(pairs) == 6
    (tmp_path / "low" / "c.png").write_bytes((tmp_path / "low" / "a.png").read_bytes())
    with pytest.raises(imageio.ImageError, match=r"low/c.png: no partner named c\.\* in .*high"):
        data.from_folders(str(tmp_path / "low"), str(tmp_path / "high"))


def _constant_pairs(level, count=3):
    """PNG pairs whose low image is one grey level: which source a patch came from shows."""
    encode = lambda im: cv2.imencode(".png", im)[1].tobytes()  # noqa: E731
    low = encode(np.full((40, 40, 3), level, np.uint8))
    return tf.data.Dataset.from_tensor_slices(([low] * count, [low] * count))


def test_sources_mix_in_the_stated_proportions_reproducibly():
    sources = [_constant_pairs(50), _constant_pairs(200)]
    batches = lambda seed: data.training(sources, 16, 8, seed=seed, weights=[0.8, 0.2])  # noqa: E731
    levels = np.concatenate([low[:, 0, 0, 0] for low, _ in batches(1).take(50).as_numpy_iterator()])
    assert set(np.round(levels * 255).astype(int)) == {50, 200}
    share = np.mean(np.round(levels * 255) == 50)
    assert 0.74 < share < 0.86, share  # 400 draws: 0.8 +- 3 standard deviations
    again = np.concatenate([low[:, 0, 0, 0] for low, _ in batches(1).take(50).as_numpy_iterator()])
    np.testing.assert_array_equal(levels, again)


@pytest.mark.parametrize("data_bytes, reason", [
    (b"GIF89a" + b"\x00" * 40, "unsupported image format"),
    (cv2.imencode(".png", np.zeros((8, 8, 3), np.uint8))[1].tobytes()[:40], "does not decode"),
])
def test_check_decodes_says_why_a_source_cannot_train(data_bytes, reason):
    pairs = tf.data.Dataset.from_tensor_slices(([data_bytes], [data_bytes]))
    with pytest.raises(ValueError, match=reason):
        data.check_decodes(pairs)
    data.check_decodes(_constant_pairs(10))  # a good source passes
