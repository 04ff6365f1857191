"""Full-reference image metrics on float RGB in [0, 1]: PSNR and SSIM (RGB and the Y channel)."""
import tensorflow as tf

BT601_Y = ((65.481, 128.553, 24.966), 16.0)  # Y of Y'CbCr on [0, 255], as papers (and MATLAB) use


def psnr(output, target):
    """PSNR over RGB, per image (tf.image.psnr, max value 1)."""
    return tf.image.psnr(output, target, max_val=1.0)


def ssim(output, target):
    """SSIM over RGB (mean of channels), per image (tf.image.ssim, 11x11 Gaussian, sigma 1.5)."""
    return tf.image.ssim(output, target, max_val=1.0)


def to_y(image):
    """BT.601 luma of [0, 1] RGB on the [16, 235] scale divided by 255, as MATLAB's rgb2ycbcr."""
    weights, offset = BT601_Y
    return (tf.tensordot(image, tf.constant(weights, image.dtype), 1)[..., None] + offset) / 255.0


def psnr_y(output, target):
    return tf.image.psnr(to_y(output), to_y(target), max_val=1.0)


def ssim_y(output, target):
    return tf.image.ssim(to_y(output), to_y(target), max_val=1.0)
