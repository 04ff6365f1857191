"""Packs the gladnet_raw train split of a photo folder for an accelerator machine:

    python experiments/gpu/pack_photos.py ../shared/data/photos .gpu_photos

Same photos as `tfds build datasets/gladnet_raw` puts in its train split (content-hash split, the
validation photos left out), resized to the paper's 600x400 like the builder, written as JPEG
quality 92 without chroma subsampling (about 42 MB for 450 photos), for gladnet_tf.jax_train.
"""
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from datasets.gladnet_raw import gladnet_raw_dataset_builder as builder  # noqa: E402
from gladnet_tf import imageio, synthesis  # noqa: E402


def main(source, target):
    os.makedirs(target, exist_ok=True)
    kept = skipped = 0
    for root, _, names in sorted(os.walk(source)):
        for name in sorted(names):
            path = os.path.join(root, name)
            if not imageio.is_supported(name) or builder.is_validation(builder.file_digest(path)):
                continue
            try:
                linear = builder.resize_like_paper(imageio.read_linear(path))
            except imageio.ImageError as error:
                print(f"skipped {error}")
                skipped += 1
                continue
            srgb = np.round(synthesis.linear_to_srgb(linear) * 255).astype(np.uint8)
            out = os.path.join(target, f"{os.path.relpath(root, source).replace(os.sep, '_')}_"
                                       f"{os.path.splitext(name)[0]}.jpg")
            cv2.imwrite(out, srgb[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 92,
                                                 cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                                                 cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444])
            kept += 1
    print(f"{kept} photos written to {target}, {skipped} skipped")


if __name__ == "__main__":
    main(*sys.argv[1:])
