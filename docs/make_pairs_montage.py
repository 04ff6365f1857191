"""Writes a low | high montage of the first pairs of a built gladnet_raw split (docs evidence).

    python docs/make_pairs_montage.py ~/tensorflow_datasets/gladnet_raw/paper/1.1.0 docs/gladnet_raw_pairs.png
"""
import sys

import tensorflow as tf

from gladnet_tf import data, imageio, montage


def main(dataset_dir, output, count=8):
    pairs, _ = data.from_tfds(dataset_dir, "train")
    rows = [(lo[0].numpy(), hi[0].numpy()) for lo, hi in data.validation(pairs.shuffle(64, seed=1)).take(count)]
    imageio.write_image(output, montage.before_after(rows, row_height=96), overwrite=True)


if __name__ == "__main__":
    tf.get_logger().setLevel("ERROR")
    main(*sys.argv[1:3])
