"""Packs the training pairs of a real-pair folder for an accelerator machine:

    python experiments/gpu/pack_pairs.py ../shared/data/lol_train_subset .gpu_pairs

The pairs `paired_images` keeps for training (its content-hash validation pairs left out), written
to TARGET/train/low and TARGET/train/high as JPEG quality 92 without chroma subsampling, as
pack_photos.py writes photos (about 13 MB for LOL's 134, against 72 MB lossless: with the photos
and the repository the call stays under the machine's 64 MiB). gladnet_tf.jax_train --pairs takes
a train/ folder as it is, with no second hold-out.
"""
import os
import sys

import cv2

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from gladnet_tf import imageio  # noqa: E402


def main(source, target):
    pairs = imageio.hash_split(imageio.pair_files(os.path.join(source, "low"),
                                                  os.path.join(source, "high")))["train"]
    for side in ("low", "high"):
        os.makedirs(os.path.join(target, "train", side), exist_ok=True)
    for pair in pairs:
        for side, path in zip(("low", "high"), pair):
            image = imageio.to_uint(imageio.read_image(path)[0], 8)
            out = os.path.join(target, "train", side,
                               os.path.splitext(os.path.basename(pair[0]))[0] + ".jpg")
            cv2.imwrite(out, image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 92,
                                                 cv2.IMWRITE_JPEG_SAMPLING_FACTOR,
                                                 cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444])
    print(f"{len(pairs)} training pairs written to {target}/train")


if __name__ == "__main__":
    main(*sys.argv[1:])
