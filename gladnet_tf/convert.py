"""Convert a checkpoint of the authors' TF1 main.py (.meta/.index/.data), or the parameters of
`gladnet_tf.jax_train` (.npz, same variable names), into Keras weights.

    gladnet-convert --checkpoint ckpt/GLADNet-12345 --output gladnet.weights.h5
    gladnet-convert --checkpoint run/gladnet_fg.npz --output gladnet.weights.h5

Variables map by name: `FG/conv2d_k/kernel` and `FG/conv2d_k/bias` -> Keras layer `conv2d_k`.
Optimizer slots (`.../AdamOptimizer*`, `beta*_power`) and the step counter are ignored.
"""
import argparse
import sys
import zipfile

import numpy as np
import tensorflow as tf

from gladnet_tf.atomic import OutputExistsError, atomic_path
from gladnet_tf.model import CONV_LAYERS, build_gladnet


class ConversionError(ValueError):
    """The checkpoint cannot be read or does not hold GLADNet's variables."""


def read_variables(checkpoint):
    """{name: array} of a TF1 checkpoint (prefix or folder) or of an .npz file."""
    if checkpoint.endswith(".npz"):
        try:
            with np.load(checkpoint) as data:
                return checkpoint, {name: data[name] for name in data.files}
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise ConversionError(f"{checkpoint}: not a readable .npz file ({error})") from None
    prefix = tf.train.latest_checkpoint(checkpoint) or checkpoint
    try:
        reader = tf.train.load_checkpoint(prefix)
    except (tf.errors.OpError, ValueError) as error:
        reason = str(error).strip().splitlines()[0]
        raise ConversionError(f"{checkpoint}: not a readable TF1 checkpoint ({reason})") from None
    return prefix, {name: reader.get_tensor(name) for name in reader.get_variable_to_shape_map()
                    if name.startswith("FG/")}


def load_tf1_checkpoint(model, checkpoint):
    """Assigns the FG variables of a TF1 checkpoint (prefix or folder) or .npz to `model`."""
    prefix, variables = read_variables(checkpoint)
    shapes = {name: value.shape for name, value in variables.items()}
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
            values.append((weight, variables[name]))
    for weight, value in values:
        weight.assign(value)
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gladnet-convert", description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True,
                        help="TF1 checkpoint prefix (e.g. ckpt/GLADNet-1000) or its folder, "
                        "or the .npz of gladnet_tf.jax_train")
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
