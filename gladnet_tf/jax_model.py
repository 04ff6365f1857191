"""GLADNet and its training step in JAX, for accelerator machines that have JAX but no TensorFlow.

The same graph as `gladnet_tf.model` (tested equal to the Keras model), with parameters named as
the authors' TF1 variables, `FG/conv2d_k/kernel` (HWIO) and `FG/conv2d_k/bias`, so that the
weights convert into Keras with `gladnet-convert`. The step is `trainer.train_step`'s: the
channel-weighted L1 loss (or `trainer.l1_ssim_loss`), Adam with epsilon 1e-8,
lr * decay_rate ** (step / decay_steps).
Imports JAX and NumPy only.
"""
import functools

import jax
import jax.numpy as jnp
import numpy as np

GLOBAL_SIZE = 96
CHANNEL_WEIGHTS = (0.11448, 0.58661, 0.29891)  # as trainer.CHANNEL_WEIGHTS, on R, G, B
LOSS_WEIGHTS = {"original": CHANNEL_WEIGHTS, "equal": (1 / 3, 1 / 3, 1 / 3)}  # as trainer's
ADAM = dict(beta_1=0.9, beta_2=0.999, epsilon=1e-8)

# (input channels, output channels, stride) of conv2d .. conv2d_16
CONVS = ([(3, 64, 2)] + [(64, 64, 2)] * 5 + [(64, 64, 1)] * 6
         + [(67, 128, 1)] + [(128, 128, 1)] * 3 + [(128, 3, 1)])


def conv_name(index):
    return "conv2d" if index == 0 else f"conv2d_{index}"


def init_params(seed):
    """Glorot-uniform kernels and zero biases, as Keras' and TF1's conv2d defaults."""
    rng = np.random.default_rng(seed)
    params = {}
    for index, (cin, cout, _) in enumerate(CONVS):
        limit = np.sqrt(6.0 / (9 * cin + 9 * cout))
        params[f"FG/{conv_name(index)}/kernel"] = rng.uniform(-limit, limit, (3, 3, cin, cout)).astype(np.float32)
        params[f"FG/{conv_name(index)}/bias"] = np.zeros(cout, np.float32)
    return {name: jnp.asarray(value) for name, value in params.items()}


def tf1_nearest_indices(in_size, out_size):
    """Source rows of TF1's resize_nearest_neighbor (align_corners=False, half_pixel_centers=False):
    min(floor(i * (in / out)), in - 1), computed in float32 as TF does."""
    scale = np.float32(in_size) / np.float32(out_size)
    rows = np.floor(np.arange(out_size, dtype=np.float32) * scale).astype(np.int64)
    return np.minimum(rows, in_size - 1)


def resize_nearest(x, height, width):
    rows = tf1_nearest_indices(x.shape[1], height)
    cols = tf1_nearest_indices(x.shape[2], width)
    return jnp.take(jnp.take(x, rows, axis=1), cols, axis=2)


def conv(params, index, x):
    kernel = params[f"FG/{conv_name(index)}/kernel"].astype(x.dtype)
    bias = params[f"FG/{conv_name(index)}/bias"].astype(x.dtype)
    stride = CONVS[index][2]
    y = jax.lax.conv_general_dilated(x, kernel, (stride, stride), "SAME",
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
    return jax.nn.relu(y + bias)


def forward(params, low, dtype=jnp.float32):
    """GLADNet on a (batch, H, W, 3) float batch; computes in `dtype`, returns float32."""
    x_in = low.astype(dtype)
    x = resize_nearest(x_in, GLOBAL_SIZE, GLOBAL_SIZE)
    encoder = []
    for index in range(6):
        x = conv(params, index, x)
        encoder.append(x)
    for i, size in enumerate((3, 6, 12, 24, 48, 96)):
        x = conv(params, 6 + i, resize_nearest(x, size, size))
        if i < 5:
            x = x + encoder[4 - i]
    x = jnp.concatenate([resize_nearest(x, *low.shape[1:3]), x_in], axis=3)
    for index in range(12, 17):
        x = conv(params, index, x)
    return x.astype(jnp.float32)


def weighted_l1_loss(output, target, weights=CHANNEL_WEIGHTS):
    return jnp.mean(jnp.abs((output - target) * jnp.asarray(weights, jnp.float32)))


SSIM_SHARE = 0.84  # as trainer.SSIM_SHARE


def _gaussian_window(size=11, sigma=1.5):
    """tf.image.ssim's window: a normalised 2-D Gaussian, as a depthwise HWIO kernel for RGB."""
    g = np.exp(-0.5 * ((np.arange(size) - (size - 1) / 2) / sigma) ** 2)
    window = np.outer(g, g) / g.sum() ** 2
    return jnp.asarray(np.tile(window[:, :, None, None], (1, 1, 1, 3)), jnp.float32)


def ssim(output, target, k1=0.01, k2=0.03):
    """Mean SSIM of a batch, as tf.image.ssim (max_val 1, 'VALID' 11x11 window), averaged."""
    window = _gaussian_window()
    blur = lambda x: jax.lax.conv_general_dilated(  # noqa: E731
        x, window, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"), feature_group_count=3)
    c1, c2 = k1 ** 2, k2 ** 2
    mean_x, mean_y = blur(output), blur(target)
    luminance = (2 * mean_x * mean_y + c1) / (mean_x ** 2 + mean_y ** 2 + c1)
    contrast = (2 * blur(output * target) - 2 * mean_x * mean_y + c2) / (
        blur(output ** 2 + target ** 2) - mean_x ** 2 - mean_y ** 2 + c2)
    return jnp.mean(luminance * contrast)


def l1_ssim_loss(output, target, weights=CHANNEL_WEIGHTS, ssim_share=SSIM_SHARE):
    l1 = weighted_l1_loss(output, target, weights) * 3 / sum(weights)
    return ssim_share * (1 - ssim(output, target)) + (1 - ssim_share) * l1


def named_loss(name, ssim_share=SSIM_SHARE):
    """As trainer.named_loss."""
    return {"l1": weighted_l1_loss, "l1_ssim": functools.partial(l1_ssim_loss, ssim_share=ssim_share)}[name]


def init_adam(params):
    zeros = lambda: {name: jnp.zeros_like(value) for name, value in params.items()}  # noqa: E731
    return {"step": jnp.zeros((), jnp.int32), "m": zeros(), "v": zeros()}


def loss_and_gradients(params, low, high, dtype=jnp.float32, loss_weights=CHANNEL_WEIGHTS,
                       loss=weighted_l1_loss):
    return jax.value_and_grad(lambda p: loss(forward(p, low, dtype), high, loss_weights))(params)


def learning_rate(step, base_lr, decay_steps, decay_rate):
    """The original's schedule at a (0-based) step: base_lr * decay_rate ** (step / decay_steps)."""
    return base_lr * decay_rate ** (step / decay_steps)


def adam_update(params, adam, grads, base_lr, decay_steps, decay_rate):
    """Keras' (and TF1's) Adam at the schedule's lr; returns (params, adam state)."""
    step = adam["step"]
    lr = learning_rate(step.astype(jnp.float32), base_lr, decay_steps, decay_rate)
    t = (step + 1).astype(jnp.float32)
    b1, b2, eps = ADAM["beta_1"], ADAM["beta_2"], ADAM["epsilon"]
    alpha = lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    m = {k: b1 * adam["m"][k] + (1 - b1) * g for k, g in grads.items()}
    v = {k: b2 * adam["v"][k] + (1 - b2) * g * g for k, g in grads.items()}
    params = {k: p - alpha * m[k] / (jnp.sqrt(v[k]) + eps) for k, p in params.items()}
    return params, {"step": step + 1, "m": m, "v": v}


def train_step(params, adam, low, high, base_lr, decay_steps, decay_rate, dtype=jnp.float32,
               loss_weights=CHANNEL_WEIGHTS, loss=weighted_l1_loss):
    """One Adam step on `loss` (the weighted L1 by default); returns (params, adam state, loss)."""
    value, grads = loss_and_gradients(params, low, high, dtype, loss_weights, loss)
    return (*adam_update(params, adam, grads, base_lr, decay_steps, decay_rate), value)
