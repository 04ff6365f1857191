"""Video without pumping: GLADNet's brightness decision held steady between frames.

GLADNet decides brightness in one small place, the global branch's 96x96x64 illumination
features; the detail branch only works locally. `StableEnhancer` takes frames in order and
enhances each with an exponential moving average of those features (time constant in seconds),
so sensor noise and a passing light no longer pump the whole picture, while a real change is
followed within the time constant. A scene cut (most of the picture changes at once: a new shot,
a room light switched on) restarts the average from the new frame, so it is followed at once.
"""
import math

import numpy as np

from gladnet_tf.inference import GLOBAL_SIZE, global_sample

CUT_CELLS = 12  # the cut detector compares 12x12 area means of what the global branch sees
# A cut when the cells move by more than this fraction of the picture's mean, on average. Measured
# on samples/ at 128x96: another scene 0.51, the picture twice as bright 0.67; a light over 5 % of
# it 0.05, a pan of 2 % of the width 0.13, sensor noise ~0.
CUT_CHANGE = 0.3


def thumbnail(image):
    """The CUT_CELLS x CUT_CELLS luma area means of the global branch's 96x96 view of an image:
    cheap, and averaged enough that sensor noise does not look like a change."""
    luma = global_sample(image) @ np.array([0.299, 0.587, 0.114], np.float32)
    cell = GLOBAL_SIZE // CUT_CELLS
    return luma.reshape(CUT_CELLS, cell, CUT_CELLS, cell).mean(axis=(1, 3))


def is_cut(previous, current):
    """Whether most of the picture changed between two thumbnails (a new shot or new lighting),
    rather than a part of it (a passing light, motion) or nothing but noise."""
    scale = max(float(previous.mean() + current.mean()) / 2, 1e-3)
    return float(np.mean(np.abs(current - previous))) > CUT_CHANGE * scale


class StableEnhancer:
    """Enhances frames in order with temporally smoothed global features.

    `enhancer` is an `inference.Enhancer` or a `tflite_engine.LiteEnhancer`; `time_constant` in
    seconds (0: frame by frame). Call with each frame (H, W, 3 float32 in [0, 1]) and its time in
    seconds; `reset()` forgets the past (the next frame starts afresh). `cuts` counts the scene
    cuts detected.
    """

    def __init__(self, enhancer, time_constant=1.0):
        if time_constant < 0:
            raise ValueError(f"time constant {time_constant}: must be >= 0 seconds")
        self.enhancer = enhancer
        self.time_constant = time_constant
        self.cuts = 0
        self.reset()

    def reset(self):
        self._features = self._time = self._thumbnail = None

    def __call__(self, frame, seconds):
        features = np.asarray(self.enhancer.global_features(frame))
        current = thumbnail(frame)
        if self._features is None or self.time_constant == 0:
            self._features = features
        elif is_cut(self._thumbnail, current):
            self.cuts += 1
            self._features = features
        else:
            step = max(seconds - self._time, 0.0)
            weight = 1.0 - math.exp(-step / self.time_constant)
            self._features = self._features + weight * (features - self._features)
        self._time, self._thumbnail = seconds, current
        return self.enhancer.with_features(frame, self._features)
