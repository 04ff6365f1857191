"""Console-script entry points: TensorFlow starts quietly (see quiet.py), then the tool runs.
(gladnet-train is `train.run`, which does the same for `python -m gladnet_tf.train` too.)"""
import importlib
import sys

from gladnet_tf import quiet


def _tool(module, function):
    def run():
        quiet.start_tensorflow(sys.argv)
        return getattr(importlib.import_module(module), function)()
    run.__doc__ = f"Runs {module}.{function}."
    return run


enhance = _tool("gladnet_tf.enhance", "run")
convert = _tool("gladnet_tf.convert", "main")
export = _tool("gladnet_tf.export", "main")
evaluate = _tool("gladnet_tf.evaluate", "main")
enhance_beam = _tool("gladnet_tf.beam_enhance", "run")
web = _tool("gladnet_tf.web", "main")
