"""gladnet-enhance: brighten low-light photos and videos with GLADNet.

    gladnet-enhance photos/ --output-dir enhanced/
    gladnet-enhance 'shots/*.dng' --suffix _glad --bits 16 --format tif
    gladnet-enhance night.mp4 --output-dir enhanced/ --time-constant 1

Inputs are files, folders (with --recursive, their subfolders too) and glob patterns. An input or
an existing output is never overwritten without --overwrite; each output is written atomically.
Alpha channels are dropped; EXIF orientation is applied. Videos (mp4, mov, mkv, avi, webm) keep
their timestamps, size, rotation and audio; their brightness is held steady over time (see
--temporal). Exit status 1 when any file failed.
"""
import argparse
import glob
import os
import sys

from tqdm import tqdm

from gladnet_tf import engine, imageio, montage, video
from gladnet_tf.atomic import OutputExistsError
from gladnet_tf.inference import DEFAULT_MEMORY_MB, PRECISIONS, shipped_weights
from gladnet_tf.temporal import StableEnhancer


def collect_inputs(specs, recursive):
    """Expands files, folders and globs into [(path, name relative to its spec)], and errors."""
    found, errors = [], []
    for spec in specs:
        if os.path.isdir(spec):
            paths = []
            for folder, subfolders, names in os.walk(spec, onerror=lambda e: errors.append(
                    f"{e.filename}: folder is not readable ({e.strerror.lower()})")):
                paths += [os.path.join(folder, n) for n in names
                          if imageio.is_supported(n) or video.is_video(n)]
                if not recursive:
                    subfolders.clear()
            found += [(p, os.path.relpath(p, spec)) for p in sorted(paths)]
        elif os.path.isfile(spec):
            found.append((spec, os.path.basename(spec)))
        else:
            matches = sorted(p for p in glob.glob(spec, recursive=recursive) if os.path.isfile(p))
            if not matches:
                errors.append(f"{spec}: no such file, folder or matching pattern")
            found += [(p, os.path.basename(p)) for p in matches]
    unique = list(dict((os.path.abspath(p), (p, rel)) for p, rel in found).values())
    return unique, errors


def output_path(path, relative, args):
    stem = os.path.splitext(relative)[0] + args.suffix
    ext = video.output_extension(path) if video.is_video(path) else "." + (args.format or "png")
    folder = args.output_dir if args.output_dir else os.path.dirname(path)
    return os.path.join(folder, stem + ext)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="gladnet-enhance", description=__doc__.splitlines()[0],
                                     epilog="\n".join(__doc__.splitlines()[2:]),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("inputs", nargs="+", help="image and video files, folders or glob patterns")
    parser.add_argument("--output-dir", help="folder for the outputs (required unless --suffix)")
    parser.add_argument("--suffix", default="", help="appended to each output's name, e.g. _glad")
    parser.add_argument("--format", choices=("png", "jpg", "tif"), help="output format (default png)")
    parser.add_argument("--bits", type=int, choices=(8, 16), default=8,
                        help="16: 16-bit output for 16-bit and RAW inputs (png or tif)")
    parser.add_argument("--recursive", action="store_true", help="descend into subfolders")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("--weights", help="Keras .weights.h5 (default: the shipped weights)")
    parser.add_argument("--precision", choices=("auto", *PRECISIONS), default="auto",
                        help="auto (default): bfloat16 on CPUs that compute it natively "
                             "(AVX512-BF16, AMX-BF16; about 1.8x faster, 8-bit outputs 52 dB "
                             "or more from float32), float32 elsewhere. bfloat16 on other CPUs is "
                             "allowed with a warning: emulated, no faster, only less exact")
    parser.add_argument("--engine", choices=engine.ENGINES, default="auto",
                        help="what runs the network: tf (TensorFlow), tflite (LiteRT with XNNPACK, "
                             "float32), or auto (default): TensorFlow on AVX-512 CPUs, LiteRT on "
                             "AVX2-only ones, the faster on each (gladnet_tf/engine.py). Same pixels")
    parser.add_argument("--memory-mb", type=int, default=DEFAULT_MEMORY_MB,
                        help="memory for the network's activations; larger images run in exact "
                             "tiles sized to fit (default %(default)s)")
    parser.add_argument("--montage", help="also write a before/after contact sheet to this PNG")
    parser.add_argument("--temporal", choices=("ema", "none"), default="ema",
                        help="videos: ema (default) smooths the global branch's illumination "
                             "features over time (restarting at scene cuts), so brightness follows "
                             "the scene, not noise or a passing light; none: frame by frame")
    parser.add_argument("--time-constant", type=float, default=1.0, metavar="SECONDS",
                        help="videos: the smoothing's time constant (default %(default)s s)")
    parser.add_argument("--crf", type=int, default=video.DEFAULT_CRF,
                        help="videos: H.264 quality, 0 (lossless) to 51 (default %(default)s)")
    args = parser.parse_args(argv)
    if not args.output_dir and not args.suffix:
        parser.error("give --output-dir, or --suffix to write beside the inputs")
    if args.bits == 16 and args.format == "jpg":
        parser.error("--bits 16 needs --format png or tif")
    if not args.time_constant >= 0:
        parser.error(f"--time-constant {args.time_constant}: must be >= 0 seconds")
    if not 0 <= args.crf <= 51:
        parser.error(f"--crf {args.crf}: must be in 0..51")
    return args


def enhance_video(path, target, enhancer, args):
    """One video through the (temporally stable) enhancer, with a progress bar in frames."""
    stable = StableEnhancer(enhancer, args.time_constant if args.temporal == "ema" else 0.0)
    container, stream = video.open_video(path)
    total = video.frame_count(stream)
    container.close()
    with tqdm(total=total, unit="frame", desc=os.path.basename(path), file=sys.stderr,
              leave=False) as bar:
        return video.enhance_video(path, target, stable, args.crf, args.overwrite, bar.update)


def main(argv=None):
    args = parse_args(argv)
    weights = args.weights or shipped_weights()
    if weights is None:
        print("gladnet-enhance: NOTE: no trained weights are shipped yet; running an UNTRAINED "
              "model, so outputs are not enhanced", file=sys.stderr)
    elif not os.path.isfile(weights):
        sys.exit(f"gladnet-enhance: error: {weights}: weights file not found")
    try:
        enhancer, *_, warning = engine.load(weights, args.engine, args.precision, args.memory_mb)
    except engine.EngineError as error:
        sys.exit(f"gladnet-enhance: error: {error}")
    if warning:
        print(f"gladnet-enhance: warning: {warning}", file=sys.stderr)
    inputs, failed = collect_inputs(args.inputs, args.recursive)
    done, skipped, pairs = 0, 0, []
    for path, relative in tqdm(inputs, unit="img", disable=len(inputs) < 2, file=sys.stderr):
        target = output_path(path, relative, args)
        if os.path.abspath(target) == os.path.abspath(path):
            failed.append(f"{path}: output would replace the input (use --output-dir or --suffix)")
            continue
        if os.path.exists(target) and not args.overwrite:
            tqdm.write(f"{path}: skipped, {target} exists (pass --overwrite)", file=sys.stderr)
            skipped += 1
            continue
        if video.is_video(path):
            try:
                enhance_video(path, target, enhancer, args)
            except (video.VideoError, OutputExistsError) as error:
                failed.append(str(error))
                continue
            done += 1
            continue
        try:
            image, bits = imageio.read_image(path)
            result = enhancer(image)
            imageio.write_image(target, result, bits=16 if args.bits == 16 and bits == 16 else 8,
                                overwrite=args.overwrite)
        except (imageio.ImageError, OutputExistsError) as error:
            failed.append(str(error))
            continue
        done += 1
        if args.montage:
            pairs.append((image, result))
    for line in failed:
        print(line, file=sys.stderr)
    if pairs:
        imageio.write_image(args.montage, montage.contact_sheet(pairs), overwrite=True)
        print(f"montage: {args.montage}")
    print(f"done {done}, skipped {skipped}, failed {len(failed)}")
    return 1 if failed else 0


def run():
    """Console-script entry point."""
    sys.exit(main())


if __name__ == "__main__":
    run()
