"""Writes tiny CFA DNG files (RGGB Bayer mosaics) that rawpy decodes, for tests."""
import numpy as np
import tifffile

WHITE = 4095
# ColorMatrix1 maps XYZ to camera RGB; with XYZ->linear-sRGB the camera space *is* linear sRGB,
# so a decoded DNG reproduces the linear RGB it was written from.
XYZ_TO_SRGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                        [-0.9692660, 1.8760108, 0.0415560],
                        [0.0556434, -0.2040259, 1.0572252]])


def write_dng(path, linear_rgb):
    """Each RGB pixel becomes one 2x2 RGGB cell, so the DNG is twice as large each way."""
    values = np.round(np.clip(linear_rgb, 0, 1) * WHITE).astype(np.uint16)
    height, width, _ = values.shape
    cfa = np.zeros((2 * height, 2 * width), np.uint16)
    cfa[0::2, 0::2], cfa[0::2, 1::2] = values[..., 0], values[..., 1]
    cfa[1::2, 0::2], cfa[1::2, 1::2] = values[..., 1], values[..., 2]
    matrix = [v for x in XYZ_TO_SRGB.ravel() for v in (int(round(x * 10000)), 10000)]
    tags = [
        (33421, "H", 2, (2, 2)),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2)),  # CFAPattern: RGGB
        (50706, "B", 4, (1, 4, 0, 0)),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0)),  # DNGBackwardVersion
        (50708, "s", 0, "gladnet-tf test camera"),  # UniqueCameraModel
        (50714, "H", 1, 0),  # BlackLevel
        (50717, "H", 1, WHITE),  # WhiteLevel
        (50721, "2i", 9, tuple(matrix)),  # ColorMatrix1
        (50728, "2I", 3, (1, 1, 1, 1, 1, 1)),  # AsShotNeutral: neutral white balance
        (50778, "H", 1, 21),  # CalibrationIlluminant1: D65
    ]
    tifffile.imwrite(path, cfa, photometric=32803, extratags=tags, subfiletype=0)
