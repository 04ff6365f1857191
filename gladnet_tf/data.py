"""tf.data pipelines: (low, high) pairs from a TFDS split or from low/high folders, random
patches with the original's 8 flip/rotate modes, batched and prefetched; deterministic per seed."""
import tensorflow as tf
import tensorflow_datasets as tfds

from gladnet_tf import imageio

AUTOTUNE = tf.data.AUTOTUNE


def from_tfds(name, split, data_dir=None):
    """(low, high) uint images of a TFDS split; `name` is a registered name or a built
    dataset's folder (e.g. ~/tensorflow_datasets/gladnet_raw/paper/1.0.0)."""
    if tf.io.gfile.isdir(name):
        builder = tfds.builder_from_directory(name)
    else:
        builder = tfds.builder(name, data_dir=data_dir)
    return builder.as_dataset(split=split, as_supervised=True, shuffle_files=False), \
        builder.info.splits[split].num_examples


def from_folders(low_dir, high_dir):
    """(low, high) uint8/uint16 images decoded in parallel from folders paired by file name."""
    pairs = imageio.pair_files(low_dir, high_dir)
    lows, highs = zip(*pairs)
    ds = tf.data.Dataset.from_tensor_slices((list(lows), list(highs)))
    decode = lambda path: tf.io.decode_image(tf.io.read_file(path), channels=3,  # noqa: E731
                                             dtype=tf.uint16, expand_animations=False)
    return ds.map(lambda lo, hi: (decode(lo), decode(hi)), num_parallel_calls=AUTOTUNE,
                  deterministic=True), len(pairs)


def to_float(image):
    """uint8/uint16 -> float32 in [0, 1]."""
    return tf.image.convert_image_dtype(image, tf.float32)


def augment(image, mode):
    """The original's data_augmentation: rotate by 90 * (mode // 2) degrees counter-clockwise,
    then flip up-down when mode is odd (modes 0..7)."""
    image = tf.image.rot90(image, k=mode // 2)
    return tf.cond(mode % 2 == 1, lambda: tf.image.flip_up_down(image), lambda: image)


def random_patch(low, high, patch_size, seed):
    """Same random crop and augmentation of both images, from a stateless [2] seed."""
    seeds = tf.random.experimental.stateless_split(seed, 2)
    stacked = tf.concat([to_float(low), to_float(high)], axis=-1)
    patch = tf.image.stateless_random_crop(stacked, (patch_size, patch_size, 6), seed=seeds[0])
    mode = tf.random.stateless_uniform((), seeds[1], maxval=8, dtype=tf.int32)
    patch = augment(patch, mode)
    return patch[..., :3], patch[..., 3:]


def training(pairs, patch_size, batch_size, seed=0, shuffle_buffer=256):
    """Endless batches of (low, high) float32 patches; images smaller than a patch are skipped."""
    big_enough = lambda lo, hi: tf.reduce_all(tf.shape(lo)[:2] >= patch_size)  # noqa: E731
    ds = pairs.filter(big_enough).shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.repeat().enumerate()
    ds = ds.map(lambda i, pair: random_patch(*pair, patch_size, tf.stack([tf.cast(seed, tf.int64), i])),
                num_parallel_calls=AUTOTUNE, deterministic=True)
    return ds.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)


def validation(pairs, batch_size=1):
    """Whole (low, high) float32 images, unaugmented, in order."""
    ds = pairs.map(lambda lo, hi: (to_float(lo), to_float(hi)), num_parallel_calls=AUTOTUNE,
                   deterministic=True)
    return ds.batch(batch_size).prefetch(AUTOTUNE)
