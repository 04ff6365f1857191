"""Links the photos of a folder that NIQE rates natural into another, as training targets:

    python experiments/select_photos.py ../shared/data/photos ../photos_niqe4 --max_niqe 4.0

Each photo is scored as `gladnet_raw` uses it (resized to 600x400, 8-bit sRGB); photos above
`--max_niqe` (graphics, heavy texture or noise, blur) are left out and listed. The rest are
symlinked under the same subfolders and names, so `tfds build datasets/gladnet_raw
--manual_dir=TARGET` splits and synthesises them exactly as in the full folder, and
`experiments/gpu/pack_photos.py TARGET ...` packs them for a GPU.
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from datasets.gladnet_raw import gladnet_raw_dataset_builder as builder  # noqa: E402
from gladnet_tf import imageio, niqe, synthesis  # noqa: E402


def photo_niqe(path):
    """NIQE of a photo at the training size, as gladnet_raw sees it (NaN where it is undefined:
    flat graphics); raises ImageError for an unreadable file."""
    linear = builder.resize_like_paper(imageio.read_linear(path))
    try:
        return niqe.niqe(imageio.to_uint(synthesis.linear_to_srgb(linear), 8))
    except ValueError:  # numpy's LinAlgError: no block statistics to compare
        return float("nan")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source")
    parser.add_argument("target", help="a new (or empty) folder")
    parser.add_argument("--max_niqe", type=float, default=4.0)
    args = parser.parse_args(argv)
    if not os.path.isdir(args.source):
        sys.exit(f"select_photos: {args.source}: not a folder")
    if os.path.exists(args.target) and os.listdir(args.target):
        sys.exit(f"select_photos: {args.target}: not empty; give a new folder")
    source = os.path.abspath(args.source)
    kept = left_out = unreadable = 0
    for root, _, names in sorted(os.walk(source)):
        for name in sorted(n for n in names if imageio.is_supported(n)):
            path = os.path.join(root, name)
            relative = os.path.relpath(path, source)
            try:
                score = photo_niqe(path)
            except imageio.ImageError as error:
                print(f"skipped {error}")
                unreadable += 1
                continue
            if not score <= args.max_niqe:  # NaN is left out too
                print(f"left out {relative}: NIQE {score:.2f}")
                left_out += 1
                continue
            link = os.path.join(args.target, relative)
            os.makedirs(os.path.dirname(link), exist_ok=True)
            os.symlink(path, link)
            kept += 1
    print(f"{kept} photos linked in {args.target}, {left_out} left out (NIQE above "
          f"{args.max_niqe}), {unreadable} skipped")


if __name__ == "__main__":
    main()
