"""gladnet-evaluate: PSNR/SSIM on paired images, NIQE on unpaired ones, for GLADNet and baselines.

    gladnet-evaluate --paired LOW_DIR HIGH_DIR --method gladnet --method gamma=best --method clahe=best
    gladnet-evaluate --tfds ~/tensorflow_datasets/gladnet_raw/paper/1.7.0 --split validation ...
    gladnet-evaluate --unpaired samples/ --method input --method gladnet --method gamma=0.5

Methods: `input` (no change), `gladnet` (--weights, default shipped), `gamma=G`, `clahe=C`;
`gamma=best` / `clahe=best` pick the single global setting with the best mean PSNR on the paired
set. Outputs are scored as saved, in 8 bits. Full-reference metrics: `psnr` on RGB in [0, 1],
`ssim` as papers report it (skimage's structural_similarity, channel_axis=2, data_range=1), and
`psnr_y`/`ssim_y` on BT.601 luma, `brightness` = output mean / reference mean, `psnr_matched`: PSNR
with the output scaled to the reference's mean brightness (a diagnostic of all but brightness,
not something a user can do). `niqe`: official NIQE on 8-bit RGB. Writes a per-image CSV
with --csv, a contact sheet of input | each method | reference with --montage, and prints a
summary table (mean and median per method). `--input-noise PHOTONS` adds sensor noise to every
input before any method sees it (`synthesis.with_sensor_noise`, seeded by the image's position):
the same pairs as a noisier camera would record them, a robustness check.
"""
import argparse
import csv
import os
import sys
import time

import numpy as np

from gladnet_tf import baselines, imageio, montage, synthesis
from gladnet_tf.atomic import atomic_path

def load_paired(args):
    if args.tfds:
        from gladnet_tf import data
        pairs, _ = data.from_tfds(os.path.expanduser(args.tfds), args.split)
        for index, (low, high) in enumerate(data.validation(pairs).as_numpy_iterator()):
            yield f"{args.split}_{index:04d}", low[0], high[0]
    else:
        for low, high in imageio.pair_files(*args.paired):
            yield os.path.basename(low), imageio.read_image(low)[0], imageio.read_image(high)[0]


def load_unpaired(folders):
    for folder in folders:
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            if imageio.is_supported(name):
                yield path, imageio.read_image(path)[0], None


def make_method(spec, weights, precision):
    """name -> function(image) -> image, for a --method spec (settings resolved later for 'best')."""
    if spec == "input":
        return lambda image: image
    if spec == "gladnet":
        from gladnet_tf.inference import Enhancer, shipped_weights
        return Enhancer(weights or shipped_weights(), precision)
    kind, _, value = spec.partition("=")
    function = {"gamma": baselines.gamma, "clahe": baselines.clahe}.get(kind)
    if function is None or not value:
        raise ValueError(f"--method {spec}: expected input, gladnet, gamma=G, clahe=C or *=best")
    return lambda image: function(image, float(value))


def score(output, target):
    """All metrics of one output (target None: NIQE only)."""
    import tensorflow as tf

    from gladnet_tf import metrics
    from gladnet_tf.niqe import niqe

    from skimage.metrics import structural_similarity

    output = imageio.to_uint(output, 8)
    row = {"niqe": niqe(output)}
    if target is not None:
        output = output.astype(np.float32) / 255
        out, ref = tf.constant(output[None]), tf.constant(target[None])
        y_out, y_ref = metrics.to_y(out)[0, ..., 0].numpy(), metrics.to_y(ref)[0, ..., 0].numpy()
        row["psnr"] = float(metrics.psnr(out, ref)[0])
        row["ssim"] = float(structural_similarity(output, target, channel_axis=2, data_range=1.0))
        row["psnr_y"] = float(metrics.psnr_y(out, ref)[0])
        row["ssim_y"] = float(structural_similarity(y_out, y_ref, data_range=1.0))
        row["brightness"] = float(output.mean() / max(target.mean(), 1e-6))
        matched = np.round(np.clip(output / max(row["brightness"], 1e-6), 0, 1) * 255) / 255
        row["psnr_matched"] = float(metrics.psnr(tf.constant(matched[None], tf.float32), ref)[0])
    return row


def best_setting(kind, items):
    """The grid value of gamma or clahe with the best mean PSNR over (low, high) items."""
    grid = baselines.GAMMA_GRID if kind == "gamma" else baselines.CLAHE_GRID
    function = getattr(baselines, kind)
    def mean_psnr(value):
        return np.mean([10 * np.log10(1 / max(np.mean((function(lo, value) - hi) ** 2), 1e-12))
                        for _, lo, hi in items])
    return max(grid, key=mean_psnr)


def evaluate(items, methods, weights=None, precision="float32", outputs=None):
    """[(method, image name, metrics dict)] for every method on every item; `outputs`, a dict,
    collects {image name: [each method's output]} when given."""
    rows = []
    for spec in methods:
        kind, _, value = spec.partition("=")
        if value == "best":
            if items[0][2] is None:
                raise ValueError(f"--method {spec}: 'best' needs paired images")
            spec = f"{kind}={best_setting(kind, items)}"
        function = make_method(spec, weights, precision)
        for name, low, high in items:
            start = time.time()
            output = function(low)
            seconds = time.time() - start
            if outputs is not None:
                outputs.setdefault(name, []).append(output)
            try:
                rows.append((spec, name, {**score(output, high), "seconds": seconds}))
            except ValueError as error:
                raise ValueError(f"{name}: scoring {spec}: {error}") from error
    return rows


def summary(rows):
    """Markdown table: mean and median of each metric per method."""
    methods = list(dict.fromkeys(method for method, _, _ in rows))
    metrics = [k for k in rows[0][2] if k != "seconds"] + ["seconds"]
    lines = ["| method | " + " | ".join(f"{m} mean | {m} median" for m in metrics) + " |",
             "|---|" + "---|---|" * len(metrics)]
    for method in methods:
        values = {m: [r[m] for meth, _, r in rows if meth == method] for m in metrics}
        cells = [f"{np.mean(v):.4f} | {np.median(v):.4f}" for v in values.values()]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gladnet-evaluate", description=__doc__.splitlines()[0],
                                     epilog="\n".join(__doc__.splitlines()[2:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--paired", nargs=2, metavar=("LOW_DIR", "HIGH_DIR"))
    source.add_argument("--tfds", help="a built TFDS dataset folder (with --split)")
    source.add_argument("--unpaired", nargs="+", metavar="DIR", help="folders of real low-light photos")
    parser.add_argument("--split", default="validation")
    parser.add_argument("--method", action="append", default=[], help="repeatable; default gladnet")
    parser.add_argument("--weights", help="GLADNet weights (default: the shipped weights)")
    parser.add_argument("--precision", choices=("float32", "bfloat16"), default="float32")
    parser.add_argument("--csv", help="write per-image metrics to this CSV")
    parser.add_argument("--montage", help="write input | each method | reference (paired) to this PNG")
    parser.add_argument("--input-noise", type=float, metavar="PHOTONS",
                        help="add sensor noise to the inputs: full-scale photon count, lower is "
                             "noisier (5000: about 1.6 levels of 255 on dark photos)")
    args = parser.parse_args(argv)
    if args.input_noise is not None and not args.input_noise > 0:
        parser.error(f"--input-noise {args.input_noise:g}: the photon count must be positive")
    try:
        items = list(load_unpaired(args.unpaired) if args.unpaired else load_paired(args))
        if not items:
            raise ValueError("no images found")
        if args.input_noise is not None:
            items = [(name, synthesis.with_sensor_noise(low, args.input_noise, index), high)
                     for index, (name, low, high) in enumerate(items)]
        outputs = {} if args.montage else None
        rows = evaluate(items, args.method or ["gladnet"], args.weights, args.precision, outputs)
        if args.montage:
            groups = [(low, *outputs[name]) + ((high,) if high is not None else ())
                      for name, low, high in items]
            imageio.write_image(args.montage, montage.contact_sheet(groups), overwrite=True)
    except (ValueError, imageio.ImageError, OSError) as error:
        sys.exit(f"gladnet-evaluate: error: {error}")
    if args.csv:
        with atomic_path(args.csv, overwrite=True) as tmp, open(tmp, "w", newline="") as handle:
            writer = csv.writer(handle)
            keys = list(rows[0][2])
            writer.writerow(["method", "image", *keys])
            for method, name, values in rows:
                writer.writerow([method, name, *(f"{values[k]:.6f}" for k in keys)])
    print(summary(rows))


if __name__ == "__main__":
    main()
