"""Train GLADNet with JAX on an accelerator machine that has no TensorFlow:

    python -m gladnet_tf.jax_train --photos=PHOTOS --model_dir=RUN --recipe=lowlight

PHOTOS holds training photos at the paper's size (`experiments/gpu/pack_photos.py` writes the
gladnet_raw train split there, resized to 600x400). Worker processes draw random patches and make
their dark inputs on the fly with a `synthesis.RECIPES` recipe, quantised to 8 bits as the
gladnet_raw PNGs are; with --pairs, a stated share of the patches comes from real pairs instead
(the authors' recipe: their LOL training pairs beside the synthetic ones), the pairs the
`paired_images` builder holds out for validation left out. The step is `jax_model.train_step`
(the original's loss, Adam and schedule).
RUN/checkpoint.npz (parameters, Adam state, step) is written atomically every --checkpoint_every
steps and when --max_minutes runs out; the same command resumes from it, with the same data.
At the end RUN/gladnet_fg.npz holds the parameters under the TF1 names (and, with
--snapshot_every, RUN/gladnet_fg-STEP.npz those of earlier steps, to compare); `gladnet-convert
--checkpoint RUN/gladnet_fg.npz --output X.weights.h5` turns them into Keras weights.
"""
import multiprocessing
import os
import sys
import time

import numpy as np
from absl import app, flags, logging

from gladnet_tf import imageio, synthesis

FLAGS = flags.FLAGS
flags.DEFINE_string("photos", None, "folder of training photos (searched recursively)")
flags.DEFINE_string("model_dir", None, "run folder: checkpoint.npz, gladnet_fg.npz, log")
flags.DEFINE_enum("recipe", "lowlight", sorted(synthesis.RECIPES), "how dark inputs are made")
flags.DEFINE_string("pairs", None, "folder of real pairs to mix in: low/ and high/, matched by name "
                    "(the pairs paired_images holds out for validation are never used), or "
                    "train/low and train/high (experiments/gpu/pack_pairs.py), used whole")
flags.DEFINE_float("pairs_share", 0.5, "share of the patches drawn from --pairs")
flags.DEFINE_integer("steps", 10000, "train until this step")
flags.DEFINE_integer("batch_size", 8, "batch size")
flags.DEFINE_integer("patch_size", 384, "square patch size (the paper: 384 of 600x400)")
flags.DEFINE_float("base_lr", 1e-3, "initial learning rate (Adam)")
flags.DEFINE_integer("decay_steps", 100, "lr = base_lr * decay_rate ** (step / decay_steps)")
flags.DEFINE_float("decay_rate", 0.96, "see --decay_steps")
flags.DEFINE_enum("precision", "float32", ["float32", "bfloat16"],
                  "compute precision (parameters, Adam state and loss stay float32)")
flags.DEFINE_string("init_params", None, "start a new run from these parameters (a gladnet_fg.npz; "
                    "fine-tuning) instead of Glorot init; a checkpoint wins over them")
flags.DEFINE_enum("loss_weights", "original", ["original", "equal"], "channel weights of the L1 "
                  "loss, as gladnet-train's")
flags.DEFINE_enum("loss", "l1", ["l1", "l1_ssim"], "training loss, as gladnet-train's")
flags.DEFINE_float("ssim_share", 0.84, "with --loss=l1_ssim: the SSIM term's share, as "
                   "gladnet-train's", lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_integer("seed", 0, "seed of initialisation and data")
flags.DEFINE_integer("workers", max(1, (os.cpu_count() or 2) - 1), "data worker processes")
flags.DEFINE_integer("checkpoint_every", 500, "steps between checkpoints")
flags.DEFINE_integer("log_every", 100, "steps between log lines")
flags.DEFINE_integer("snapshot_every", 0, "also keep the parameters every this many steps "
                     "(RUN/gladnet_fg-STEP.npz); 0: only the final ones")
flags.DEFINE_float("max_minutes", 0, "stop (with a checkpoint) after this much training time; 0: none")
flags.mark_flags_as_required(["photos", "model_dir"])

_worker = {}


def load_photos(folder, patch_size):
    """Linear RGB photos of a folder, those smaller than a patch left out (logged)."""
    photos = []
    for root, _, names in sorted(os.walk(folder)):
        for name in sorted(names):
            if not imageio.is_supported(name):
                continue
            try:
                linear = imageio.read_linear(os.path.join(root, name))
            except imageio.ImageError as error:
                logging.warning("skipped %s", error)
                continue
            if min(linear.shape[:2]) < patch_size:
                logging.warning("skipped %s: smaller than a %d patch", name, patch_size)
                continue
            photos.append(linear)
    return photos


def training_pairs(folder):
    """[(low, high)] paths: FOLDER/low and FOLDER/high less the pairs `paired_images` holds out
    for validation, or FOLDER/train/low and FOLDER/train/high as they are."""
    if os.path.isdir(os.path.join(folder, "train", "low")):
        folder = os.path.join(folder, "train")
        return imageio.pair_files(os.path.join(folder, "low"), os.path.join(folder, "high"))
    return imageio.hash_split(imageio.pair_files(os.path.join(folder, "low"),
                                                 os.path.join(folder, "high")))["train"]


def load_pairs(folder, patch_size):
    """uint8 sRGB (low, high) of a folder's training pairs (`training_pairs`); pairs smaller than
    a patch or of unequal sizes are left out (logged)."""
    pairs = []
    for low_path, high_path in training_pairs(folder):
        try:
            low, high = (imageio.to_uint(imageio.read_image(p)[0], 8) for p in (low_path, high_path))
        except imageio.ImageError as error:
            logging.warning("skipped %s", error)
            continue
        if low.shape != high.shape:
            logging.warning("skipped %s: %s, its partner %s", low_path, low.shape[:2], high.shape[:2])
        elif min(low.shape[:2]) < patch_size:
            logging.warning("skipped %s: smaller than a %d patch", low_path, patch_size)
        else:
            pairs.append((low, high))
    return pairs


def _init_worker(photos, recipe, patch_size, batch_size, seed, pairs=(), pairs_share=0.0):
    _worker.update(photos=photos, ranges=synthesis.RECIPES[recipe], patch=patch_size,
                   batch=batch_size, seed=seed, pairs=pairs, pairs_share=pairs_share)


def _crop(image, rng, patch):
    top = rng.integers(image.shape[0] - patch + 1)
    left = rng.integers(image.shape[1] - patch + 1)
    return top, left


def make_batch(index):
    """Batch `index` of the run, uint8 (low, high) of shape (batch, patch, patch, 3); a
    deterministic function of the seed and the index."""
    rng = np.random.default_rng([_worker["seed"], index])
    patch, pairs, lows, highs = _worker["patch"], _worker["pairs"], [], []
    for _ in range(_worker["batch"]):
        if pairs and rng.random() < _worker["pairs_share"]:
            low, high = pairs[rng.integers(len(pairs))]
            top, left = _crop(low, rng, patch)
            low, high = (x[top:top + patch, left:left + patch] / np.float32(255) for x in (low, high))
        else:
            photo = _worker["photos"][rng.integers(len(_worker["photos"]))]
            top, left = _crop(photo, rng, patch)
            crop = photo[top:top + patch, left:left + patch]
            low, high, _ = synthesis.make_pair(crop, int(rng.integers(1 << 62)), _worker["ranges"])
        mode = int(rng.integers(8))  # the original's 8 rotate/flip modes
        for image, out in ((low, lows), (high, highs)):
            image = np.rot90(image, mode // 2)
            out.append(np.flipud(image) if mode % 2 else image)
    return tuple(np.round(np.stack(x) * 255).astype(np.uint8) for x in (lows, highs))


def batches(pool, start, in_flight):
    """Batches start, start + 1, ... in order, `in_flight` of them being made at a time."""
    pending = [pool.apply_async(make_batch, (i,)) for i in range(start, start + in_flight)]
    index = start + in_flight
    while True:
        yield pending.pop(0).get()
        pending.append(pool.apply_async(make_batch, (index,)))
        index += 1


def save_npz(path, arrays):
    """np.savez to a temporary file, then renamed over `path` (a kill leaves the old file)."""
    tmp = f"{path}.tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def save_checkpoint(path, params, adam):
    arrays = {f"params/{k}": np.asarray(v) for k, v in params.items()}
    arrays.update({f"m/{k}": np.asarray(v) for k, v in adam["m"].items()})
    arrays.update({f"v/{k}": np.asarray(v) for k, v in adam["v"].items()})
    save_npz(path, {**arrays, "step": np.asarray(adam["step"])})


def save_params(path, params):
    save_npz(path, {k: np.asarray(v) for k, v in params.items()})


def load_checkpoint(path):
    import jax.numpy as jnp
    with np.load(path) as data:
        part = lambda prefix: {k[len(prefix):]: jnp.asarray(data[k])  # noqa: E731
                               for k in data.files if k.startswith(prefix)}
        return part("params/"), {"step": jnp.asarray(data["step"]), "m": part("m/"), "v": part("v/")}


def main(argv):
    del argv
    if not os.path.isdir(FLAGS.photos):
        sys.exit(f"gladnet_tf.jax_train: error: --photos {FLAGS.photos}: no such folder")
    photos = load_photos(FLAGS.photos, FLAGS.patch_size)
    if not photos:
        sys.exit(f"gladnet_tf.jax_train: error: --photos {FLAGS.photos}: no usable photos")
    if not 0 <= FLAGS.pairs_share <= 1:
        sys.exit(f"gladnet_tf.jax_train: error: --pairs_share {FLAGS.pairs_share}: not in [0, 1]")
    pairs = []
    if FLAGS.pairs:
        try:
            pairs = load_pairs(FLAGS.pairs, FLAGS.patch_size)
        except imageio.ImageError as error:
            sys.exit(f"gladnet_tf.jax_train: error: --pairs {error}")
        if not pairs:
            sys.exit(f"gladnet_tf.jax_train: error: --pairs {FLAGS.pairs}: no pair as large as a "
                     f"{FLAGS.patch_size} patch")
    os.makedirs(FLAGS.model_dir, exist_ok=True)
    # Workers fork before JAX starts its runtime.
    pool = multiprocessing.get_context("fork").Pool(
        FLAGS.workers, _init_worker,
        (photos, FLAGS.recipe, FLAGS.patch_size, FLAGS.batch_size, FLAGS.seed, pairs,
         FLAGS.pairs_share))

    import jax
    import jax.numpy as jnp

    from gladnet_tf import jax_model

    checkpoint = os.path.join(FLAGS.model_dir, "checkpoint.npz")
    if os.path.exists(checkpoint):
        params, adam = load_checkpoint(checkpoint)
        logging.info("resumed from %s at step %d", checkpoint, int(adam["step"]))
    else:
        if FLAGS.init_params:
            with np.load(FLAGS.init_params) as data:
                params = {name: jnp.asarray(data[name]) for name in jax_model.init_params(0)}
            logging.info("started from parameters %s", FLAGS.init_params)
        else:
            params = jax_model.init_params(FLAGS.seed)
        adam = jax_model.init_adam(params)
    dtype = jnp.bfloat16 if FLAGS.precision == "bfloat16" else jnp.float32
    loss = jax_model.named_loss(FLAGS.loss, FLAGS.ssim_share)
    step_fn = jax.jit(lambda p, a, lo, hi: jax_model.train_step(
        p, a, lo.astype(jnp.float32) / 255, hi.astype(jnp.float32) / 255,
        FLAGS.base_lr, FLAGS.decay_steps, FLAGS.decay_rate, dtype,
        jax_model.LOSS_WEIGHTS[FLAGS.loss_weights], loss), donate_argnums=(0, 1))
    step = int(adam["step"])
    logging.info("%d photos, recipe %s, %d real pairs (share %g), steps %d -> %d, %s on %s",
                 len(photos), FLAGS.recipe, len(pairs), FLAGS.pairs_share if pairs else 0, step,
                 FLAGS.steps, FLAGS.precision, jax.devices()[0].device_kind)
    deadline = time.time() + 60 * FLAGS.max_minutes if FLAGS.max_minutes else float("inf")
    tick, tick_step = time.time(), step
    stream = batches(pool, step, 3 * FLAGS.workers)
    while step < FLAGS.steps and time.time() < deadline:
        low, high = next(stream)
        params, adam, loss = step_fn(params, adam, low, high)
        step += 1
        if step % FLAGS.log_every == 0 or step == FLAGS.steps:
            loss = float(loss)
            if not np.isfinite(loss):
                sys.exit(f"gladnet_tf.jax_train: error: loss is {loss} at step {step}; "
                         f"{checkpoint} keeps the last good state")
            rate = (step - tick_step) / max(time.time() - tick, 1e-9)
            lr = jax_model.learning_rate(step - 1, FLAGS.base_lr, FLAGS.decay_steps, FLAGS.decay_rate)
            logging.info("step %d/%d  loss %.5f  lr %.3g  %.1f img/s", step, FLAGS.steps, loss, lr,
                         rate * FLAGS.batch_size)
            tick, tick_step = time.time(), step
        if step % FLAGS.checkpoint_every == 0:
            save_checkpoint(checkpoint, params, adam)
        if FLAGS.snapshot_every and step % FLAGS.snapshot_every == 0:
            save_params(os.path.join(FLAGS.model_dir, f"gladnet_fg-{step}.npz"), params)
    save_checkpoint(checkpoint, params, adam)
    final = os.path.join(FLAGS.model_dir, "gladnet_fg.npz")
    save_params(final, params)
    pool.terminate()
    logging.info("stopped at step %d; parameters in %s", step, final)


def run():
    app.run(main)


if __name__ == "__main__":
    run()
