"""Convert a checkpoint of the authors' TF1 main.py (.meta/.index/.data) into Keras weights.

    gladnet-convert --checkpoint ckpt/GLADNet-12345 --output gladnet.weights.h5

Variables map by name: `FG/conv2d_k/kernel` and `FG/conv2d_k/bias` -> Keras layer `conv2d_k`.
Optimizer slots (`.../AdamOptimizer*`, `beta*_power`) and the step counter are ignored.
"""
import argparse
import sys

import tensorflow as tf

from gladnet_tf.atomic import OutputExistsError, atomic_path
from gladnet_tf.model import CONV_LAYERS, build_gladnet


class ConversionError(ValueError):
    """The checkpoint cannot be read or does not hold GLADNet's variables."""


def load_tf1_checkpoint(model, checkpoint):
    """Assigns the FG variables of a TF1 checkpoint (prefix or folder) to `model`."""
    prefix = tf.train.latest_checkpoint(checkpoint) or checkpoint
    try:
        reader = tf.train.load_checkpoint(prefix)
    except (tf.errors.OpError, ValueError) as error:
        reason = str(error).strip().splitlines()[0]
        raise ConversionError(f"{checkpoint}: not a readable TF1 checkpoint ({reason})") from None
    shapes = reader.get_variable_to_shape_map()
    values = []
    for layer_name in CONV_LAYERS:
        layer = model.get_layer(layer_name)
        for part, weight in zip(("kernel", "bias"), layer.weights):
            name = f"FG/{layer_name}/{part}"
            if name not in shapes:
                raise ConversionError(f"{prefix}: variable {name} is missing")
            if tuple(shapes[name]) != tuple(weight.shape):
                raise ConversionError(f"{prefix}: variable {name} has shape {tuple(shapes[name])}, "
                                      f"expected {tuple(weight.shape)}")
            values.append((weight, reader.get_tensor(name)))
    for weight, value in values:
        weight.assign(value)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gladnet-convert", description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True,
                        help="TF1 checkpoint prefix (e.g. ckpt/GLADNet-1000) or its folder")
    parser.add_argument("--output", required=True, help="Keras weights file, ending in .weights.h5")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    args = parser.parse_args(argv)
    if not args.output.endswith(".weights.h5"):
        parser.error(f"--output {args.output}: must end in .weights.h5")
    try:
        model = load_tf1_checkpoint(build_gladnet(), args.checkpoint)
        with atomic_path(args.output, args.overwrite) as tmp:
            model.save_weights(tmp)
    except (ConversionError, OutputExistsError) as error:
        sys.exit(f"gladnet-convert: error: {error}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
