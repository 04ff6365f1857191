"""Scores weights on both cameras, as issue 50 chooses: real_pairs_dev (IR-RGB) and the LOL pairs
held out by paired_images, the worse of the two first; optionally NIQE on the real dark photos and
PSNR on gladnet_raw/paper's validation split against the best single gamma.

    python experiments/two_cameras.py WEIGHTS... [--lol DIR] [--niqe] [--paper DIR] [--montage OUT]

--lol: the built paired_images folder (e.g. ~/tensorflow_datasets/paired_images/1.1.0) whose
`validation` split holds the LOL pairs kept out of training; --paper: a built gladnet_raw/paper
folder; --montage: input | each weights' output | reference for a few pairs of each camera
(docs/two_cameras.jpg). One row per weights file (`gamma` and `input` are accepted as baselines), as
Markdown.
"""
import argparse
import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("GLADNET_SHARED", os.path.join(REPO, "..", "shared"))
sys.path.insert(0, REPO)

from gladnet_tf import evaluate, imageio, montage  # noqa: E402

# the pairs the montage shows: dev's keyboard, shop sign and harbour; three held-out LOL scenes
MONTAGE_PAIRS = ("100.png", "223.png", "147.png", "validation_0000", "validation_0008", "validation_0016")


def paired(low_dir, high_dir):
    return list(evaluate.load_paired(argparse.Namespace(tfds=None, paired=(low_dir, high_dir))))


def from_tfds(folder, split="validation"):
    return list(evaluate.load_paired(argparse.Namespace(tfds=folder, split=split)))


BASELINES = {"gamma": "gamma=best", "input": "input", "clahe=best": "clahe=best"}


def method_of(spec):
    """(method spec, weights) of a command-line entry: a baseline's name or a weights file."""
    return (BASELINES[spec], None) if spec in BASELINES else ("gladnet", spec)


def means(items, spec):
    method, weights = method_of(spec)
    rows = evaluate.evaluate(items, [method], weights)
    return {k: float(np.mean([r[k] for _, _, r in rows])) for k in rows[0][2]}


def write_montage(path, items, specs):
    """input | each spec's output | reference, one row per pair of MONTAGE_PAIRS found in items."""
    shown = [item for item in items if item[0] in MONTAGE_PAIRS]
    outputs = {}
    for spec in specs:
        method, weights = method_of(spec)
        evaluate.evaluate(shown, [method], weights, outputs=outputs)
    groups = [(low, *outputs[name], high) for name, low, high in shown]
    imageio.write_image(path, montage.contact_sheet(groups), overwrite=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("weights", nargs="+")
    parser.add_argument("--lol", default=os.path.expanduser("~/tensorflow_datasets/paired_images/1.1.0"))
    parser.add_argument("--niqe", action="store_true")
    parser.add_argument("--paper")
    parser.add_argument("--montage", help="write input | each weights | reference for a few pairs here")
    args = parser.parse_args()
    dev = paired(os.path.join(SHARED, "data/real_pairs_dev/low"), os.path.join(SHARED, "data/real_pairs_dev/high"))
    lol = from_tfds(args.lol)
    photos = list(evaluate.load_unpaired([os.path.join(SHARED, "data/real_lowlight"),
                                          os.path.join(SHARED, "reference/eval_low")])) if args.niqe else []
    paper = from_tfds(args.paper) if args.paper else []
    header = ["weights", "worse PSNR", "dev PSNR", "dev SSIM", "dev bright.", f"LOL-{len(lol)} PSNR",
              "LOL SSIM", "LOL bright.", "LOL PSNR matched"]
    header += ["NIQE-50 mean", "NIQE-50 median"] if photos else []
    header += ["paper PSNR", "best gamma"] if paper else []
    print("| " + " | ".join(header) + " |\n|" + "---|" * len(header), flush=True)
    gamma_paper = means(paper, "gamma")["psnr"] if paper else None
    for spec in args.weights:
        d, lo = means(dev, spec), means(lol, spec)
        cells = [os.path.basename(spec), f"{min(d['psnr'], lo['psnr']):.2f}", f"{d['psnr']:.2f}",
                 f"{d['ssim']:.3f}", f"{d['brightness']:.2f}", f"{lo['psnr']:.2f}", f"{lo['ssim']:.3f}",
                 f"{lo['brightness']:.2f}", f"{lo['psnr_matched']:.2f}"]
        if photos:
            method, weights = method_of(spec)
            values = [r["niqe"] for _, _, r in evaluate.evaluate(photos, [method], weights)]
            cells += [f"{np.mean(values):.3f}", f"{np.median(values):.3f}"]
        if paper:
            cells += [f"{means(paper, spec)['psnr']:.2f}", f"{gamma_paper:.2f}"]
        print("| " + " | ".join(cells) + " |", flush=True)
    if args.montage:
        write_montage(args.montage, dev + lol, args.weights)


if __name__ == "__main__":
    main()
