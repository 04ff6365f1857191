"""Mixes the parameters of two runs, (1 - T) * A + T * B, for two .npz files of jax_train's
(gladnet_fg.npz, or Keras weights turned into one by gladnet-convert); the shipped weights are
such a mix (gladnet_tf/weights/README.md, stages 14 and 15):

    python experiments/gpu/mix_params.py A.npz B.npz 0.5 mixed.npz
"""
import os
import sys
import zipfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from gladnet_tf.jax_train import save_params  # noqa: E402


def load(path):
    """The arrays of an .npz file; a clear error, not a traceback, for a missing or broken one."""
    try:
        with np.load(path) as data:
            return {k: data[k] for k in data.files}
    except FileNotFoundError:
        sys.exit(f"mix_params: error: {path}: no such file")
    except (OSError, ValueError, zipfile.BadZipFile):  # as gladnet_tf.convert.read_variables
        sys.exit(f"mix_params: error: {path}: not a readable .npz file")


def main(a, b, fraction, out):
    try:
        t = float(fraction)
    except ValueError:
        t = float("nan")
    if not 0.0 <= t <= 1.0:
        sys.exit(f"mix_params: error: T {fraction}: expected a fraction in [0, 1]")
    if os.path.exists(out):
        sys.exit(f"mix_params: error: {out}: exists (not overwritten)")
    first, second = load(a), load(b)
    if sorted(first) != sorted(second):
        sys.exit(f"mix_params: error: {a} and {b} hold different parameters")
    save_params(out, {k: ((1 - t) * v + t * second[k]).astype(v.dtype) for k, v in first.items()})
    print(f"wrote {out}: {1 - t:g} of {a}, {t:g} of {b}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
