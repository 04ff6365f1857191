"""Export GLADNet for serving: a SavedModel in TF Serving's layout and TFLite models.

    python -m gladnet_tf.export --output_dir exports [--weights W] [--version 1] \\
        [--tflite fp32,fp16,int8] [--fixed_size 400x600] [--int8_full_images DIR] [--branches [--tile 256]]

Writes `exports/gladnet/<version>/` (TF Serving: `--model_base_path=exports/gladnet`) with two
signatures: `serving_default` takes float32 images [batch, H, W, 3] in [0, 1] and returns
`output`; `enhance_image` takes encoded PNG/JPEG/BMP bytes [batch] (TF Serving's REST API sends
them as {"b64": ...}) and returns `png` bytes, 8-bit: the pixels `gladnet-enhance` writes, decoded
by the same rule (gladnet_tf.decode: accurate JPEG IDCT, EXIF orientation applied). TFLite
models go to `exports/tflite/`.
"""
import argparse
import glob
import os
import shutil
import sys
import tempfile

import keras
import numpy as np
import tensorflow as tf

from gladnet_tf import decode, imageio, tflite_int8
from gladnet_tf.atomic import OutputExistsError, atomic_path
from gladnet_tf.inference import DETAIL_LAYERS, HALO, shipped_weights
from gladnet_tf.model import GLOBAL_SIZE, ResizeNearestTF1, build_gladnet

TFLITE_VARIANTS = ("fp32", "fp16", "int8", "int8_full")
PAIR_VARIANTS = ("fp32", "fp16", "int8")
DEFAULT_WINDOW = 256  # the pair's detail tile, halo included


def branch_models(model):
    """The network's two branches apart, as Keras models sharing its layers: the global branch
    (images -> 96x96x64 illumination features) and the detail branch ([images, features] ->
    output; the features resized to the image inside). Composed, they are the model."""
    global_branch = keras.Model(model.input, model.get_layer("conv2d_11").output)
    images = keras.Input((None, None, 3), name="images")
    features = keras.Input((GLOBAL_SIZE, GLOBAL_SIZE, 64), name="features")
    x = ResizeNearestTF1()([features, images])
    x = model.get_layer("concat")([x, images])
    for name in DETAIL_LAYERS:
        x = model.get_layer(name)(x)
    return global_branch, keras.Model([images, features], x)


def pair_detail_model(model, window, split_image_conv=False):
    """The detail branch over one `window` x `window` tile, for on-device tiling at any photo size:
    [image, features, mask] -> output, where `features` is the same window of the global features
    resized to the photo, and `mask` is 1 inside the photo, 0 past its edge. Every layer's input is
    multiplied by the mask, so a window that runs past the photo pads each conv with zeros exactly
    as the whole photo's "same" convs do (all are ReLU, so nothing else is non-zero there).
    `window` None: any tile size and no mask (tiles that never run past the photo: the CLI's).
    `split_image_conv`: conv2d_12 in the int8 variant's two parts (gladnet_tf.tflite_int8)."""
    image = keras.Input((window, window, 3), batch_size=1, name="image")
    features = keras.Input((window, window, 64), batch_size=1, name="features")
    inputs = [image, features]
    masked = lambda x: x  # noqa: E731
    if window is not None:
        inputs.append(keras.Input((window, window, 1), batch_size=1, name="mask"))
        masked = lambda x: x * inputs[2]  # noqa: E731
    if split_image_conv:
        x = tflite_int8.split_first_conv(model, masked(features), masked(image))
    else:
        x = model.get_layer(DETAIL_LAYERS[0])(masked(model.get_layer("concat")([features, image])))
    for name in DETAIL_LAYERS[1:]:
        x = model.get_layer(name)(masked(x))
    return keras.Model(inputs, x, name="gladnet_detail")


def serving_archive(model):
    """A Keras ExportArchive with the two serving signatures (Keras 3 freezes its variables
    properly only through its own export path)."""
    def enhance(images):
        return {"output": model(images)}

    def enhance_image(image_bytes):
        def one(encoded):
            with tf.control_dependencies([decode.check_format(encoded)]):
                image = decode.decode(encoded)
            output = tf.clip_by_value(model(image[tf.newaxis])[0], 0.0, 1.0)
            return tf.io.encode_png(tf.cast(tf.round(output * 255.0), tf.uint8))
        return {"png": tf.map_fn(one, image_bytes, fn_output_signature=tf.string)}

    global_branch, detail_branch = branch_models(model)

    def global_features(images):
        return {"features": global_branch(images)}

    def enhance_with_features(images, features):
        return {"output": detail_branch([images, features])}

    images = tf.TensorSpec((None, None, None, 3), tf.float32, name="images")
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", enhance, input_signature=[images])
    archive.add_endpoint("enhance_image", enhance_image, input_signature=[
        tf.TensorSpec((None,), tf.string, name="image_bytes")])
    # The two branches apart, for video: smooth `features` over frames, then enhance each frame
    # with the smoothed ones (gladnet_tf/temporal.py does this in Python).
    archive.add_endpoint("global_features", global_features, input_signature=[images])
    archive.add_endpoint("enhance_with_features", enhance_with_features, input_signature=[
        images, tf.TensorSpec((None, GLOBAL_SIZE, GLOBAL_SIZE, 64), tf.float32, name="features")])
    return archive


def load_model(weights=None, run_dir=None):
    """GLADNet with weights from a .weights.h5 file, or from the latest checkpoint of a training
    run folder (`gladnet-train --model_dir`)."""
    model = build_gladnet()
    if run_dir:
        latest = tf.train.latest_checkpoint(os.path.join(run_dir, "checkpoints"))
        if latest is None:
            raise FileNotFoundError(f"{run_dir}: no checkpoints found")
        tf.train.Checkpoint(model=model).restore(latest).expect_partial().assert_existing_objects_matched()
    elif weights:
        model.load_weights(weights)
    return model


def export_saved_model(model, output_dir, version=1, overwrite=False):
    """Writes `<output_dir>/gladnet/<version>/` atomically; returns its path."""
    target = os.path.join(output_dir, "gladnet", str(version))
    if os.path.exists(target) and not overwrite:
        raise OutputExistsError(f"{target}: exists (pass --overwrite to replace it)")
    os.makedirs(os.path.dirname(target), exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".tmp-", dir=os.path.dirname(target))
    try:
        serving_archive(model).write_out(staging, verbose=False)
        os.chmod(staging, 0o755)
        if os.path.exists(target):
            shutil.rmtree(target)
        os.replace(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def representative_images(folder, size, count=16):
    """Yields [1, H, W, 3] float32 samples for full-integer calibration."""
    paths = sorted(p for p in glob.glob(os.path.join(folder, "*")) if imageio.is_supported(p))[:count]
    if not paths:
        raise imageio.ImageError(f"{folder}: no images for int8 calibration")
    for path in paths:
        image = imageio.read_image(path)[0]
        if size:
            image = tf.image.resize(image, size, method="area").numpy()
        yield [image[np.newaxis].astype(np.float32)]


def convert_tflite(model, variant, size=None, calibration_dir=None, signature=None):
    """TFLite flatbuffer bytes of one variant; `size` = (H, W) fixes the input shape. `int8`:
    the photo's own conv kept float (gladnet_tf.tflite_int8). `signature`: the model's input
    specs when it is not the whole network (a branch; for `int8`, one with conv2d_12 split already)."""
    spec = tf.TensorSpec((1, *(size or (None, None)), 3), tf.float32, name="images")
    if variant == "int8" and signature is None:
        model = tflite_int8.split_image_conv(model)
    with tempfile.TemporaryDirectory() as saved:  # Keras 3: SavedModel first, then convert
        model.export(saved, format="tf_saved_model", input_signature=signature or [spec], verbose=False)
        converter = tf.lite.TFLiteConverter.from_saved_model(saved)
        content = _configure(converter, variant, size, calibration_dir).convert()
    if variant == "int8":
        content = tflite_int8.keep_weights_float(content, tflite_int8.FLOAT_LAYER)
    return content


def _configure(converter, variant, size, calibration_dir):
    if variant == "fp16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif variant == "int8":  # dynamic range: int8 weights, activations quantised on the fly
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif variant == "int8_full":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = lambda: representative_images(calibration_dir, size)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter


def tflite_name(variant, size=None):
    return f"gladnet_{variant}" + (f"_{size[0]}x{size[1]}" if size else "") + ".tflite"


def export_tflite(model, output_dir, variants, sizes=(), calibration_dir=None, overwrite=False):
    """Writes each variant for a dynamic input size and for each fixed size; returns the paths."""
    paths = []
    for size in (None, *sizes):
        for variant in variants:
            path = os.path.join(output_dir, "tflite", tflite_name(variant, size))
            with atomic_path(path, overwrite) as tmp:
                with open(tmp, "wb") as handle:
                    handle.write(convert_tflite(model, variant, size, calibration_dir))
            paths.append(path)
    return paths


def pair_names(variant, window):
    """File names of the split pair: the global and the detail model (the int8 pair's global
    model is the float32 one: a sixth of the work at 96x96, kept float); `window` None: the
    any-size detail model."""
    global_variant = "fp32" if variant == "int8" else variant
    size = f"_{window}x{window}" if window else ""
    return f"gladnet_global_{global_variant}.tflite", f"gladnet_detail_{variant}{size}.tflite"


def convert_pair(model, variant, window):
    """The split pair's TFLite bytes (global, detail): the global branch on the photo's 96x96
    nearest sample (`inference.global_sample`) -> its 64 features; the detail branch on one
    window (`pair_detail_model`), fixed-size and masked, or any size (`window` None)."""
    global_branch, _ = branch_models(model)
    sample = tf.TensorSpec((1, GLOBAL_SIZE, GLOBAL_SIZE, 3), tf.float32, name="sample")
    spec = lambda name, channels: tf.TensorSpec((1, window, window, channels), tf.float32, name=name)  # noqa: E731
    detail = pair_detail_model(model, window, split_image_conv=variant == "int8")
    signature = [[spec("image", 3), spec("features", 64)] + ([spec("mask", 1)] if window else [])]
    return (convert_tflite(global_branch, "fp32" if variant == "int8" else variant, signature=[sample]),
            convert_tflite(detail, variant, signature=signature))


def export_tflite_pair(model, output_dir, variants, window=DEFAULT_WINDOW, overwrite=False):
    """Writes the split pair of each variant (fp32, fp16, int8) to `output_dir/tflite/`: with
    them a device enhances any photo exactly, tile by tile (gladnet_tf.tflite_engine shows how).
    Returns the paths."""
    paths = []
    for variant in [v for v in variants if v in PAIR_VARIANTS]:
        for name, content in zip(pair_names(variant, window), convert_pair(model, variant, window)):
            path = os.path.join(output_dir, "tflite", name)
            if path in paths:  # the float32 global model, shared by fp32 and int8
                continue
            with atomic_path(path, overwrite) as tmp, open(tmp, "wb") as handle:
                handle.write(content)
            paths.append(path)
    return paths


def _megabytes(path):
    files = [os.path.join(d, f) for d, _, names in os.walk(path) for f in names] \
        if os.path.isdir(path) else [path]
    return sum(os.path.getsize(f) for f in files) / 1e6


def _tensor(name, spec):
    shape = [-1 if d is None else d for d in spec.shape]
    return f"{name} {spec.dtype.name} {shape}"


def describe_saved_model(path):
    """Lines naming each signature of an exported SavedModel with its inputs and outputs."""
    loaded = tf.saved_model.load(path)
    lines = [f"SavedModel {path} ({_megabytes(path):.1f} MB)"]
    for name, function in sorted(loaded.signatures.items()):
        inputs = ", ".join(_tensor(k, v) for k, v in function.structured_input_signature[1].items())
        outputs = ", ".join(_tensor(k, v) for k, v in function.structured_outputs.items())
        lines.append(f"  signature {name}: {inputs} -> {outputs}")
    return lines


def describe_tflite(path):
    from ai_edge_litert.interpreter import Interpreter

    from gladnet_tf import gpu_compat
    inputs = Interpreter(model_path=path).get_input_details()
    shapes = [f"{d['dtype'].__name__} {[int(v) for v in d['shape_signature']]}" for d in inputs]
    if len(inputs) == 1:
        described = f"input {shapes[0]}"
    else:  # a branch: name them ("serving_default_features:0" -> features)
        described = "inputs " + ", ".join(f"{d['name'].split('_')[-1].split(':')[0]} {shape}"
                                          for d, shape in zip(inputs, shapes))
    return [f"TFLite {path} ({_megabytes(path):.1f} MB): {described}", f"  {gpu_compat.verdict(path)}"]


def serving_help(output_dir):
    base = os.path.abspath(os.path.join(output_dir, "gladnet"))
    return [
        "Serve it with TF Serving (REST on port 8501, gRPC on 8500):",
        f"  tensorflow_model_server --port=8500 --rest_api_port=8501 --model_name=gladnet "
        f"--model_base_path={base}",
        "Enhance a photo over REST (the response's predictions[0].b64 is the PNG):",
        "  curl -s http://localhost:8501/v1/models/gladnet:predict -d '{\"signature_name\": "
        "\"enhance_image\", \"instances\": [{\"b64\": \"'\"$(base64 -w0 photo.jpg)\"'\"}]}'",
    ]


def parse_size(text):
    height, width = (int(v) for v in text.lower().split("x"))
    return height, width


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gladnet-export", description=__doc__.splitlines()[0])
    parser.add_argument("--output_dir", required=True)
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--weights", help="Keras .weights.h5 (default: the shipped weights)")
    source.add_argument("--from_run", help="a training run folder: export its latest checkpoint, "
                        "and write its weights as <output_dir>/gladnet.weights.h5")
    parser.add_argument("--version", type=int, default=1, help="TF Serving model version")
    parser.add_argument("--tflite", default="fp32,fp16,int8",
                        help=f"comma-separated TFLite variants of {', '.join(TFLITE_VARIANTS)}, "
                             "or '' for none (int8_full needs --int8_full_images)")
    parser.add_argument("--fixed_size", action="append", default=[], type=parse_size,
                        help="also write fixed-shape TFLite models of this HxW (e.g. 400x600), "
                             "for GPU/NNAPI delegates; repeatable")
    parser.add_argument("--int8_full_images", help="folder of images to calibrate full-int8")
    parser.add_argument("--branches", action="store_true",
                        help="also write the split pair of each fp32/fp16/int8 variant: the global "
                             "branch (the photo's 96x96 sample -> features) and the detail branch on "
                             "one tile (--tile), for any photo size on devices, tile by tile; for "
                             "video, average the features over frames")
    parser.add_argument("--tile", type=int, default=DEFAULT_WINDOW,
                        help="the detail model's tile side in pixels, halo included (default %(default)s)")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args(argv)
    variants = [v for v in args.tflite.split(",") if v]
    unknown = set(variants) - set(TFLITE_VARIANTS)
    if unknown:
        parser.error(f"--tflite: unknown variant(s) {', '.join(sorted(unknown))}")
    if args.tile < 4 * HALO:
        parser.error(f"--tile {args.tile}: must be at least {4 * HALO} pixels (a core as wide as its "
                     f"two {HALO}-pixel halos)")
    if "int8_full" in variants and not args.int8_full_images:
        parser.error("--tflite int8_full needs --int8_full_images")
    weights = args.weights or (None if args.from_run else shipped_weights())
    if weights is None and not args.from_run:
        print("gladnet-export: NOTE: no trained weights are shipped yet; exporting an UNTRAINED model",
              file=sys.stderr)
    try:
        model = load_model(weights, args.from_run)
        if args.from_run:
            with atomic_path(os.path.join(args.output_dir, "gladnet.weights.h5"), args.overwrite) as tmp:
                model.save_weights(tmp)
            print(f"Keras weights {os.path.join(args.output_dir, 'gladnet.weights.h5')}")
        lines = describe_saved_model(export_saved_model(model, args.output_dir, args.version,
                                                        args.overwrite))
        paths = export_tflite(model, args.output_dir, variants, args.fixed_size,
                              args.int8_full_images, args.overwrite)
        if args.branches:
            paths += export_tflite_pair(model, args.output_dir, variants, args.tile, args.overwrite)
        for path in paths:
            lines += describe_tflite(path)
        print("\n".join(lines + serving_help(args.output_dir)))
    except (OutputExistsError, imageio.ImageError, OSError) as error:
        sys.exit(f"gladnet-export: error: {error}")


if __name__ == "__main__":
    main()
