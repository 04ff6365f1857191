"""Quiet start-up for the command-line tools.

TensorFlow prints C++ start-up lines on every run (oneDNN notes, CPU-feature notes and, on machines
without a GPU, "Could not find cuda drivers" and "E0000 ... failed call to cuInit") that read as
failures. The tools import TensorFlow and start its devices with standard error muted, then
restore it, so every later message (warnings, errors, the progress bar) shows as before. Not muted
with --verbose, or when the user asks for TensorFlow's info lines (TF_CPP_MIN_LOG_LEVEL 0 or 1).
"""
import contextlib
import os
import sys


@contextlib.contextmanager
def _stderr_muted():
    sys.stderr.flush()
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def start_tensorflow(argv):
    """Starts TensorFlow quietly, unless `argv` holds --verbose (removed from it) or
    TF_CPP_MIN_LOG_LEVEL is 0 or 1. Later C++ info and warning lines are hidden too (level 2,
    unless the user chose another); errors are not."""
    if "--verbose" in argv:
        argv.remove("--verbose")
        return
    if os.environ.get("TF_CPP_MIN_LOG_LEVEL") in ("0", "1"):
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with _stderr_muted():
        import tensorflow as tf
        if "TF_CONFIG" not in os.environ:  # multi-worker runs configure the runtime first
            tf.config.list_logical_devices()
