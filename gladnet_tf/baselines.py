"""Simple global baselines for low-light enhancement: gamma correction and CLAHE (OpenCV)."""
import cv2
import numpy as np

GAMMA_GRID = tuple(np.round(np.arange(0.2, 1.01, 0.05), 2))
CLAHE_GRID = (1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0)


def gamma(image, value):
    """out = in ** value on [0, 1] RGB (value < 1 brightens)."""
    return np.power(np.clip(image, 0.0, 1.0), value).astype(np.float32)


def clahe(image, clip_limit, tiles=8):
    """CLAHE on the L channel of CIE Lab (8-bit), colours kept."""
    lab = cv2.cvtColor(np.round(np.clip(image, 0, 1) * 255).astype(np.uint8), cv2.COLOR_RGB2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=clip_limit, tileGridSize=(tiles, tiles)).apply(lab[..., 0])
    return (cv2.cvtColor(lab, cv2.COLOR_LAB2RGB) / 255.0).astype(np.float32)
