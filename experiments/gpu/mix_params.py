"""Mixes the parameters of two runs, (1 - T) * A + T * B, for two .npz files of jax_train's
(gladnet_fg.npz, or Keras weights turned into one by gladnet-convert); the shipped weights are
such a mix (gladnet_tf/weights/README.md, stage 13):

    python experiments/gpu/mix_params.py A.npz B.npz 0.25 mixed.npz
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", ".."))
from gladnet_tf.jax_train import save_params  # noqa: E402


def main(a, b, t, out):
    t = float(t)
    if not 0.0 <= t <= 1.0:
        sys.exit(f"mix_params: error: T {t:g}: expected a fraction in [0, 1]")
    if os.path.exists(out):
        sys.exit(f"mix_params: error: {out}: exists (not overwritten)")
    with np.load(a) as first, np.load(b) as second:
        if sorted(first.files) != sorted(second.files):
            sys.exit(f"mix_params: error: {a} and {b} hold different parameters")
        save_params(out, {k: ((1 - t) * first[k] + t * second[k]).astype(first[k].dtype)
                          for k in first.files})
    print(f"wrote {out}: {1 - t:g} of {a}, {t:g} of {b}")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    main(*sys.argv[1:])
