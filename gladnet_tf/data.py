"""tf.data pipelines: (low, high) pairs from TFDS splits or from low/high folders, random
patches with the original's 8 flip/rotate modes, several sources mixed in stated proportions,
batched and prefetched; deterministic per seed.

Sources yield *encoded* images (PNG/JPEG bytes): shuffling happens before decoding, so the
shuffle buffer, and with it a checkpointed iterator, stays small.
"""
import os

import cv2
import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from gladnet_tf import imageio
from gladnet_tf.decode import check_format, decode

AUTOTUNE = tf.data.AUTOTUNE


class DatasetNotBuiltError(ValueError):
    """A --tfds name has no built version in the data dir; the message says how to build it."""


def resolve_tfds(name, data_dir=None):
    """The folder of a built TFDS dataset: `name` is that folder, or `dataset/config` (e.g.
    gladnet_raw/lowlight) whose newest built version in `data_dir` (default: TFDS's,
    ~/tensorflow_datasets or $TFDS_DATA_DIR) is taken."""
    name = os.path.expanduser(name)
    if os.path.isdir(name):
        return name
    data_dir = os.path.expanduser(data_dir or os.environ.get("TFDS_DATA_DIR", "~/tensorflow_datasets"))
    folder = os.path.join(data_dir, name)
    built = [v for v in (os.listdir(folder) if os.path.isdir(folder) else [])
             if os.path.isfile(os.path.join(folder, v, "dataset_info.json"))]
    if built:
        newest = max(built, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))
        return os.path.join(folder, newest)
    dataset, _, config = name.partition("/")
    raise DatasetNotBuiltError(
        f"{name} is not built in {data_dir}; build it first: tfds build datasets/{dataset}"
        f"{' --config=' + config if config else ''} --manual_dir=/path/to/photos --data_dir={data_dir}")


def has_split(folder, split):
    """Whether a built TFDS dataset's folder holds `split`."""
    return split in tfds.builder_from_directory(folder).info.splits


def from_tfds(folder, split):
    """(encoded low, encoded high) pairs of a split of a built TFDS dataset's folder (e.g.
    ~/tensorflow_datasets/gladnet_raw/lowlight/1.7.0), and their count."""
    builder = tfds.builder_from_directory(folder)
    skip = tfds.decode.SkipDecoding()
    ds = builder.as_dataset(split=split, shuffle_files=False, decoders={"low": skip, "high": skip})
    return ds.map(lambda ex: (ex["low"], ex["high"])), builder.info.splits[split].num_examples


def from_folders(low_dir, high_dir):
    """(encoded low, encoded high) pairs from folders paired by file name, and their count."""
    lows, highs = zip(*imageio.pair_files(low_dir, high_dir))
    ds = tf.data.Dataset.from_tensor_slices((list(lows), list(highs)))
    return ds.map(lambda lo, hi: (tf.io.read_file(lo), tf.io.read_file(hi))), len(lows)


def image_size(encoded):
    """(height, width) of an encoded image, from the PNG header when possible (no decoding)."""
    declared = imageio.declared_size(encoded)
    if declared:
        return declared[1], declared[0]
    return cv2.imdecode(np.frombuffer(encoded, np.uint8), cv2.IMREAD_GRAYSCALE).shape[:2]


def largest_patch(pairs):
    """The largest square patch any low image of a source holds (reads headers only)."""
    return max(min(image_size(lo)) for lo, _ in pairs.as_numpy_iterator())


def augment(image, mode):
    """The original's data_augmentation: rotate by 90 * (mode // 2) degrees counter-clockwise,
    then flip up-down when mode is odd (modes 0..7)."""
    image = tf.image.rot90(image, k=mode // 2)
    return tf.cond(mode % 2 == 1, lambda: tf.image.flip_up_down(image), lambda: image)


def random_patch(low, high, patch_size, seed):
    """Same random crop and augmentation of both images, from a stateless [2] seed."""
    seeds = tf.random.experimental.stateless_split(seed, 2)
    stacked = tf.concat([low, high], axis=-1)
    patch = tf.image.stateless_random_crop(stacked, (patch_size, patch_size, 6), seed=seeds[0])
    mode = tf.random.stateless_uniform((), seeds[1], maxval=8, dtype=tf.int32)
    patch = augment(patch, mode)
    return patch[..., :3], patch[..., 3:]


def downscale(image, factor):
    """Area-averaged resize by `factor` (<= 1)."""
    size = tf.cast(tf.round(tf.cast(tf.shape(image)[:2], tf.float32) * factor), tf.int32)
    return tf.image.resize(image, tf.maximum(size, 1), method="area")


def patches(pairs, patch_size, seed=0, scale=1.0, shuffle_buffer=64, shard=(1, 0), min_scale=None):
    """Endless (low, high) float32 patches from encoded pairs. Images are optionally downscaled
    by `scale` first, or, with `min_scale`, by a factor drawn per pair from [min_scale, scale];
    those still smaller than a patch are skipped. `shard` = (count, index) keeps every count-th
    patch of the seeded stream, for one of several workers."""
    seed64 = tf.constant(seed, tf.int64)
    drawn = min_scale is not None and min_scale < scale

    def load(index, pair):
        low, high = decode(pair[0]), decode(pair[1])
        factor = scale
        if drawn:
            draw_seed = tf.random.experimental.stateless_fold_in(tf.stack([seed64, index]), 1)
            factor = tf.random.stateless_uniform((), draw_seed, min_scale, scale)
        if drawn or scale != 1.0:
            low, high = downscale(low, factor), downscale(high, factor)
        return index, low, high

    big_enough = lambda i, lo, hi: tf.reduce_all(tf.shape(lo)[:2] >= patch_size)  # noqa: E731
    ds = pairs.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True).repeat().enumerate()
    ds = ds.shard(*shard)
    ds = ds.map(load, num_parallel_calls=AUTOTUNE, deterministic=True).filter(big_enough)
    return ds.map(lambda i, lo, hi: random_patch(lo, hi, patch_size, tf.stack([seed64, i])),
                  num_parallel_calls=AUTOTUNE, deterministic=True)


def training(sources, patch_size, batch_size, seed=0, scale=1.0, shuffle_buffer=64, shard=(1, 0),
             min_scale=None, weights=None):
    """Endless batches of (low, high) float32 patches (see `patches`) from one dataset of encoded
    pairs, or from a list of them mixed patch by patch in the proportions `weights` (default
    equal; seeded, so a run's mix is reproducible and resumes with its iterator)."""
    if isinstance(sources, tf.data.Dataset):
        sources = [sources]
    streams = [patches(pairs, patch_size, seed + index, scale, shuffle_buffer, shard, min_scale)
               for index, pairs in enumerate(sources)]
    ds = streams[0] if len(streams) == 1 else tf.data.Dataset.sample_from_datasets(
        streams, weights=weights, seed=seed)
    return ds.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


def check_decodes(pairs):
    """Decodes a source's first pair with the training decoder; raises ValueError saying why
    it cannot (so a source that would yield no patch fails at once rather than never stepping)."""
    for low, high in pairs.take(1):
        for side, encoded in (("low", low), ("high", high)):
            try:  # eager: the format check raises at once
                check_format(encoded)
                shape = decode(encoded).shape
            except tf.errors.InvalidArgumentError as error:
                reason = error.message.splitlines()[0]
                raise ValueError(f"its first {side} image does not decode: {reason}") from None
            if shape.rank != 3 or shape[-1] != 3:
                raise ValueError(f"its first {side} image decodes to shape {shape}, not (H, W, 3)")
        return
    raise ValueError("it holds no pairs")


def validation(pairs, batch_size=1):
    """Whole (low, high) float32 images, unaugmented, in order."""
    ds = pairs.map(lambda lo, hi: (decode(lo), decode(hi)), num_parallel_calls=AUTOTUNE,
                   deterministic=True)
    return ds.batch(batch_size).prefetch(AUTOTUNE)
