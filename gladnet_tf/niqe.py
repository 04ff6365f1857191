"""NIQE (Mittal, Soundararajan, Bovik 2013), ported from the official MATLAB release, with its
official pristine model (`niqe_pris_params.npz`, from BasicSR, Apache-2.0). Lower is better.

Ported with MATLAB's arithmetic where it matters: rgb2gray rounds to uint8, the half-size scale
is MATLAB's imresize (bicubic with antialiasing, symmetric borders), the features are AGGD fits
(also for the first pair), and perfectly flat 7x7 windows are flat (MSCN 0), not the ~1e-15
residue that filtering leaves, which would otherwise flip signs in the AGGD fits.
"""
import os

import numpy as np
from scipy import ndimage, special

PRISTINE = os.path.join(os.path.dirname(__file__), "niqe_pris_params.npz")
BLOCK = 96
RGB2GRAY = (0.298936021293775390, 0.587043074451121360, 0.114020904255103250)
GAMMAS = np.arange(0.2, 10.001, 0.001)
R_GAMMAS = special.gamma(2 / GAMMAS) ** 2 / (special.gamma(1 / GAMMAS) * special.gamma(3 / GAMMAS))


def matlab_rgb2gray(rgb_uint8):
    return np.round(np.asarray(rgb_uint8, np.float64) @ np.array(RGB2GRAY))


def _cubic(x):
    ax = np.abs(x)
    return ((1.5 * ax**3 - 2.5 * ax**2 + 1) * (ax <= 1)
            + (-0.5 * ax**3 + 2.5 * ax**2 - 4 * ax + 2) * ((ax > 1) & (ax <= 2)))


def _resize_axis(image, scale, axis):
    """MATLAB imresize along one axis: bicubic, antialiased when shrinking, symmetric borders."""
    length = image.shape[axis]
    out_length = int(np.ceil(length * scale))
    width = 4.0 / scale if scale < 1 else 4.0
    kernel = (lambda x: scale * _cubic(scale * x)) if scale < 1 else _cubic
    u = np.arange(1, out_length + 1) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    indices = left[:, None] + np.arange(int(np.ceil(width)) + 2)[None, :]
    weights = kernel(u[:, None] - indices)
    weights /= weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(length), np.arange(length)[::-1]])
    indices = mirror[np.mod(indices - 1, 2 * length).astype(int)]
    keep = np.any(weights != 0, axis=0)
    weights, indices = weights[:, keep], indices[:, keep]
    moved = np.moveaxis(image, axis, 0)
    return np.moveaxis(np.einsum("ok,ok...->o...", weights, moved[indices]), 0, axis)


def matlab_imresize_half(image):
    return _resize_axis(_resize_axis(image, 0.5, 0), 0.5, 1)


def aggd_fit(values):
    """(alpha, left beta, right beta) of an asymmetric generalized Gaussian, as estimateaggdparam."""
    left = np.sqrt(np.mean(values[values < 0] ** 2))
    right = np.sqrt(np.mean(values[values > 0] ** 2))
    gamma_hat = left / right
    r_hat = np.mean(np.abs(values)) ** 2 / np.mean(values**2)
    r_norm = r_hat * (gamma_hat**3 + 1) * (gamma_hat + 1) / (gamma_hat**2 + 1) ** 2
    alpha = GAMMAS[np.argmin((R_GAMMAS - r_norm) ** 2)]
    factor = np.sqrt(special.gamma(1 / alpha) / special.gamma(3 / alpha))
    return alpha, left * factor, right * factor


def block_features(block):
    """The 18 features of computefeature.m for one block of MSCN coefficients."""
    alpha, left, right = aggd_fit(block.ravel())
    features = [alpha, (left + right) / 2]
    for shift in ((0, 1), (1, 0), (1, 1), (1, -1)):
        pair = block.ravel() * np.roll(block, shift, axis=(0, 1)).ravel()
        alpha, left, right = aggd_fit(pair)
        mean = (right - left) * special.gamma(2 / alpha) / special.gamma(1 / alpha)
        features += [alpha, mean, left, right]
    return features


def mscn(image, window):
    mu = ndimage.correlate(image, window, mode="nearest")
    sigma = np.sqrt(np.abs(ndimage.correlate(image * image, window, mode="nearest") - mu * mu))
    coefficients = (image - mu) / (sigma + 1)
    flat = ndimage.maximum_filter(image, 7, mode="nearest") == ndimage.minimum_filter(image, 7, mode="nearest")
    coefficients[flat] = 0.0
    return coefficients


def niqe(image, pristine=None):
    """NIQE of an RGB uint8 image (H, W, 3) or a grayscale one (H, W); at least 192x192."""
    params = pristine or np.load(PRISTINE)
    gray = matlab_rgb2gray(image) if image.ndim == 3 else np.asarray(image, np.float64)
    rows, cols = gray.shape[0] // BLOCK, gray.shape[1] // BLOCK
    if rows < 2 or cols < 2:
        raise ValueError(f"NIQE needs at least {2 * BLOCK}x{2 * BLOCK} pixels, got {gray.shape}")
    gray = gray[:rows * BLOCK, :cols * BLOCK]
    window = params["gaussian_window"]
    scales = []
    for scale in (1, 2):
        coefficients = mscn(gray, window)
        size = BLOCK // scale
        scales.append([block_features(coefficients[r * size:(r + 1) * size, c * size:(c + 1) * size])
                       for c in range(cols) for r in range(rows)])
        if scale == 1:
            gray = matlab_imresize_half(gray)
    features = np.concatenate([np.array(s) for s in scales], axis=1)
    mu = np.nanmean(features, axis=0)
    cov = np.cov(features[~np.isnan(features).any(axis=1)], rowvar=False)
    difference = params["mu_pris_param"].ravel() - mu
    inverse = np.linalg.pinv((params["cov_pris_param"] + cov) / 2)
    return float(np.sqrt(difference @ inverse @ difference))
