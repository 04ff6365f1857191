"""Convert a checkpoint of the authors' TF1 main.py (.meta/.index/.data), or the parameters of
`gladnet_tf.jax_train` (.npz, same variable names), into Keras weights, and Keras weights into
such an .npz (to fine-tune them with `jax_train --init_params`).

    gladnet-convert --checkpoint ckpt/GLADNet-12345 --output gladnet.weights.h5
    gladnet-convert --checkpoint run/gladnet_fg.npz --output gladnet.weights.h5
    gladnet-convert --checkpoint gladnet.weights.h5 --output start.npz

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


def load_weights(checkpoint):
    """The model with `checkpoint`'s weights: Keras .weights.h5, or TF1 / .npz by name."""
    if not checkpoint.endswith(".weights.h5"):
        return load_tf1_checkpoint(build_gladnet(), checkpoint)
    model = build_gladnet()
    try:
        model.load_weights(checkpoint)
    except (OSError, ValueError) as error:
        reason = str(error).strip().splitlines()[0]
        raise ConversionError(f"{checkpoint}: not readable GLADNet weights ({reason})") from None
    return model


def tf1_variables(model):
    """{`FG/<layer>/kernel|bias`: array} of a Keras GLADNet, the names jax_train uses."""
    return {f"FG/{name}/{part}": weight.numpy() for name in CONV_LAYERS
            for part, weight in zip(("kernel", "bias"), model.get_layer(name).weights)}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gladnet-convert", description=__doc__.splitlines()[0])
    parser.add_argument("--checkpoint", required=True,
                        help="TF1 checkpoint prefix (e.g. ckpt/GLADNet-1000) or its folder, "
                        "the .npz of gladnet_tf.jax_train, or Keras .weights.h5")
    parser.add_argument("--output", required=True, help="Keras weights file (.weights.h5), or "
                        ".npz of the TF1-named parameters for gladnet_tf.jax_train")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    args = parser.parse_args(argv)
    if not args.output.endswith((".weights.h5", ".npz")):
        parser.error(f"--output {args.output}: must end in .weights.h5 or .npz")
    try:
        model = load_weights(args.checkpoint)
        with atomic_path(args.output, args.overwrite) as tmp:
            if args.output.endswith(".npz"):
                with open(tmp, "wb") as handle:
                    np.savez(handle, **tf1_variables(model))
            else:
                model.save_weights(tmp)
    except (ConversionError, OutputExistsError) as error:
        sys.exit(f"gladnet-convert: error: {error}")
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
