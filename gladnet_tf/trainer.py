"""Loss, optimizer and learning-rate schedule of the original, the one training step, and the
training loop around it: strategy, checkpoints, logs and TensorBoard summaries."""
import functools
import json
import math
import os
import shutil
import subprocess
import tempfile
import time

import keras
import numpy as np
import tensorflow as tf
from absl import logging

from gladnet_tf import metrics
from gladnet_tf.atomic import atomic_path
from gladnet_tf.cpu import strip_gradient_pays
from gladnet_tf.model import build_gladnet
from gladnet_tf.strip_gradient import STRIP_ROWS

# The original multiplies (output - target) by these weights along the channel axis. They are
# the BT.601 luma weights in B, G, R order, but the network works on RGB (PIL-loaded images), so
# R is weighted 0.11448 and B 0.29891. Kept as the code applies them: that is what was trained.
CHANNEL_WEIGHTS = (0.11448, 0.58661, 0.29891)
# `--loss_weights`: the original's, or every channel alike (PSNR's weighting; the original's
# weighs red errors 5x less than green ones).
LOSS_WEIGHTS = {"original": CHANNEL_WEIGHTS, "equal": (1 / 3, 1 / 3, 1 / 3)}

BASE_LR = 1e-3
DECAY_STEPS = 100
DECAY_RATE = 0.96
ADAM_EPSILON = 1e-8  # TF1's default; Keras' default is 1e-7


def weighted_l1_loss(output, target, weights=CHANNEL_WEIGHTS):
    """Mean over all elements of |output - target| weighted per channel (as the original by
    default)."""
    weights = tf.constant(weights, output.dtype)
    return tf.reduce_mean(tf.abs((output - target) * weights))


SSIM_SHARE = 0.84  # Zhao et al. (2017)'s share of SSIM in their SSIM + L1 loss (--ssim_share)


def l1_ssim_loss(output, target, weights=CHANNEL_WEIGHTS, ssim_share=SSIM_SHARE):
    """s (1 - SSIM) + (1 - s) L1 with s = 0.84 by default, as Zhao et al.'s mixed loss (single-scale
    SSIM, 11x11 Gaussian); the L1 term weighted per channel as `weighted_l1_loss`, rescaled to mean
    weight 1."""
    l1 = weighted_l1_loss(output, target, weights) * 3 / sum(weights)
    ssim = tf.reduce_mean(tf.image.ssim(output, target, max_val=1.0))
    return ssim_share * (1 - ssim) + (1 - ssim_share) * l1


def named_loss(name, ssim_share=SSIM_SHARE):
    """The loss `--loss` names: the original's L1, or `l1_ssim_loss` with this SSIM share."""
    return {"l1": weighted_l1_loss, "l1_ssim": functools.partial(l1_ssim_loss, ssim_share=ssim_share)}[name]


def learning_rate_schedule(base_lr=BASE_LR, decay_steps=DECAY_STEPS, decay_rate=DECAY_RATE):
    """lr * decay_rate ** (step / decay_steps), continuous (not staircase), as TF1's exponential_decay."""
    return keras.optimizers.schedules.ExponentialDecay(base_lr, decay_steps, decay_rate)


def make_optimizer(learning_rate=None, mixed_float16=False):
    """Adam as TF1's AdamOptimizer (beta 0.9/0.999, epsilon 1e-8); loss scaling for float16."""
    optimizer = keras.optimizers.Adam(
        learning_rate if learning_rate is not None else learning_rate_schedule(),
        beta_1=0.9, beta_2=0.999, epsilon=ADAM_EPSILON)
    if mixed_float16:
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
    return optimizer


def train_step(model, optimizer, low, high, loss_weights=CHANNEL_WEIGHTS, loss=weighted_l1_loss):
    """One optimisation step on a (per-replica) batch; returns the batch's mean loss.

    Works inside `strategy.run`: the loss is divided by the replica count before the gradient, so
    the summed gradients equal those of the global batch's mean loss.
    """
    replicas = tf.distribute.get_replica_context().num_replicas_in_sync
    with tf.GradientTape() as tape:
        output = tf.cast(model(low, training=True), tf.float32)
        value = loss(output, tf.cast(high, tf.float32), loss_weights)
        scaled = optimizer.scale_loss(value / replicas)
    gradients = tape.gradient(scaled, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return value


class NonFiniteLossError(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


def make_strategy():
    """MultiWorkerMirroredStrategy when TF_CONFIG describes a cluster, else MirroredStrategy over
    all local GPUs (or the CPU)."""
    if os.environ.get("TF_CONFIG"):
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.MirroredStrategy()


def worker_position(strategy):
    """(number of workers, this worker's index, is chief) of the strategy's cluster."""
    resolver = getattr(strategy, "cluster_resolver", None)
    cluster = resolver.cluster_spec().as_dict() if resolver is not None else {}
    if not cluster:
        return 1, 0, True
    tasks = [(kind, i) for kind in ("chief", "worker") for i in range(len(cluster.get(kind, [])))]
    index = tasks.index((resolver.task_type, resolver.task_id))
    return len(tasks), index, index == 0


class Trainer:
    """Owns the model, optimizer, checkpoints and summaries of one run in `model_dir`.

    The step counter is the optimizer's `iterations`, saved with it, so a restarted run continues
    the learning-rate schedule where it stopped. Non-chief workers of a multi-worker run write
    their (required) checkpoint copies to a temporary folder that is removed at the end.
    """

    def __init__(self, model_dir, strategy, precision="float32", schedule=None, seed=0,
                 keep_checkpoints=3, init_weights=None, loss_weights=CHANNEL_WEIGHTS, loss="l1",
                 ssim_share=SSIM_SHARE):
        keras.mixed_precision.set_global_policy(precision)
        keras.utils.set_random_seed(seed)
        self.strategy = strategy
        self.model_dir = model_dir
        self.workers, self.worker_index, self.chief = worker_position(strategy)
        with strategy.scope():
            strips = STRIP_ROWS if strip_gradient_pays(precision) else None
            self.model = build_gladnet(gradient_strip_rows=strips)
            self.optimizer = make_optimizer(schedule, mixed_float16=precision == "mixed_float16")
            self.optimizer.build(self.model.trainable_variables)
        self.checkpoint = tf.train.Checkpoint(model=self.model, optimizer=self.optimizer)
        self._checkpoint_dir = os.path.join(model_dir, "checkpoints") if self.chief \
            else tempfile.mkdtemp(prefix="gladnet-worker-")
        self.keep_checkpoints = keep_checkpoints
        self.init_weights = init_weights
        self.loss_weights = loss_weights
        self.loss = named_loss(loss, ssim_share)
        writer_dir = os.path.join(model_dir, "tensorboard") if self.chief else None
        self.writer = tf.summary.create_file_writer(writer_dir) if writer_dir else \
            tf.summary.create_noop_writer()

    @property
    def step(self):
        return int(self.optimizer.iterations.numpy())

    def restore(self, iterator):
        """Attaches the data iterator (a plain tf.data one: distributed iterators cannot be
        checkpointed) to the checkpoint and restores the latest checkpoint, if any; a new run
        starts from `init_weights` when given."""
        self.checkpoint.iterator = iterator
        self.manager = tf.train.CheckpointManager(self.checkpoint, self._checkpoint_dir,
                                                  max_to_keep=self.keep_checkpoints)
        latest = self.manager.latest_checkpoint
        if latest:
            has_iterator = any(name.startswith("iterator/") for name, _ in tf.train.list_variables(latest))
            if has_iterator:
                self.checkpoint.restore(latest).assert_existing_objects_matched()
            else:  # written without data position: model and optimizer only
                logging.warning("%s holds no data-iterator state; the data stream restarts", latest)
                tf.train.Checkpoint(model=self.model, optimizer=self.optimizer).restore(
                    latest).expect_partial().assert_existing_objects_matched()
            logging.info("resumed from %s at step %d", latest, self.step)
        elif self.init_weights:
            self.model.load_weights(self.init_weights)
            logging.info("started from weights %s", self.init_weights)
        return self.step

    def save(self):
        if not all(bool(tf.reduce_all(tf.math.is_finite(v))) for v in self.model.weights):
            raise NonFiniteLossError(
                f"weights became NaN or infinite by step {self.step}; stopped, the last good "
                f"checkpoint ({self.manager.latest_checkpoint}) is kept")
        # The CheckpointManager writes the data files first and then replaces the `checkpoint`
        # index file atomically, so a kill mid-save leaves the previous checkpoint as latest.
        return self.manager.save(checkpoint_number=self.optimizer.iterations)

    def distributed_step(self):
        """One step on this worker's batch, split evenly over its local replicas."""
        local = self.strategy.num_replicas_in_sync // self.workers

        @tf.function
        def step(iterator):
            low, high = next(iterator)
            parts = list(zip(tf.split(low, local), tf.split(high, local)))
            batch = self.strategy.experimental_distribute_values_from_function(
                lambda context: parts[context.replica_id_in_sync_group % local])
            loss = self.strategy.run(
                lambda pair: train_step(self.model, self.optimizer, *pair, self.loss_weights, self.loss),
                args=(batch,))
            return self.strategy.reduce(tf.distribute.ReduceOp.MEAN, loss, axis=None)
        return step

    def evaluate(self, batches, max_images=None):
        """Mean PSNR/SSIM on validation batches, and the first (low, output, high) triple."""
        psnrs, ssims, first = [], [], None
        forward = tf.function(lambda x: tf.cast(self.model(x), tf.float32), reduce_retracing=True)
        for index, (low, high) in enumerate(batches):
            if max_images is not None and index >= max_images:
                break
            output = tf.clip_by_value(forward(low), 0.0, 1.0)
            psnrs.append(metrics.psnr(output, high).numpy())
            ssims.append(metrics.ssim(output, high).numpy())
            first = first or (low, output, high)
        if not psnrs:
            return {}, first
        return {"psnr": float(np.mean(np.concatenate(psnrs))),
                "ssim": float(np.mean(np.concatenate(ssims)))}, first

    def fit(self, make_batches, batch_size, total_steps, val_batches=None, log_every=10,
            summary_every=50, checkpoint_every=500, eval_every=1000, eval_images=None):
        """Trains until `total_steps`; resumes from the latest checkpoint. Returns final metrics.

        `make_batches(per_worker_batch, (workers, index))` gives this worker's batches; the global
        batch is `batch_size` whatever the number of workers and replicas. `val_batches` maps
        each validation source's name to its batches.
        """
        if batch_size % self.strategy.num_replicas_in_sync:
            raise ValueError(f"batch size {batch_size} does not split over "
                             f"{self.strategy.num_replicas_in_sync} replicas")
        iterator = iter(make_batches(batch_size // self.workers, (self.workers, self.worker_index)))
        start = self.restore(iterator)
        run_step = self.distributed_step()
        tick, tick_step, loss = time.time(), start, float("nan")
        results = {}
        with self.writer.as_default():
            while self.step < total_steps:
                loss = float(run_step(iterator))
                step = self.step
                if not math.isfinite(loss):
                    raise NonFiniteLossError(
                        f"loss is NaN or infinite ({loss}) at step {step}; stopped, the last good "
                        f"checkpoint ({self.manager.latest_checkpoint}) is kept")
                lr = float(self.optimizer.learning_rate)
                if step % summary_every == 0:
                    tf.summary.scalar("loss", loss, step=step)
                    tf.summary.scalar("learning_rate", lr, step=step)
                if step % log_every == 0 or step == total_steps:
                    elapsed = time.time() - tick
                    rate = (step - tick_step) / max(elapsed, 1e-9)
                    eta = (total_steps - step) / max(rate, 1e-9)
                    logging.info("step %d/%d  loss %.5f  lr %.3g  %.2f img/s  %.2f s/step  ETA %s",
                                 step, total_steps, loss, lr, rate * batch_size, 1 / max(rate, 1e-9),
                                 time.strftime("%H:%M:%S", time.gmtime(eta)))
                    tick, tick_step = time.time(), step
                if step % checkpoint_every == 0 or step == total_steps:
                    self.save()
                if val_batches is not None and (step % eval_every == 0 or step == total_steps):
                    results = self._eval_and_summarize(val_batches, step, eval_images)
        results["loss"] = loss
        results["steps"] = self.step
        return results

    def _eval_and_summarize(self, val_batches, step, eval_images):
        """Validates on each source ({name: batches}); the run's figures are the worse source's
        (PSNR and SSIM each), so that no source is traded for another unseen."""
        per_source = {}
        for name, batches in val_batches.items():
            results, first = self.evaluate(batches, eval_images)
            if not results:
                continue
            per_source[name] = results
            for metric, value in results.items():
                tf.summary.scalar(f"validation/{name}/{metric}", value, step=step)
            if first is not None:
                tf.summary.image(f"{name}: low | output | target", tf.concat(first, axis=2), step=step)
        if not per_source:
            return {}
        worst = {metric: min(r[metric] for r in per_source.values()) for metric in ("psnr", "ssim")}
        for metric, value in worst.items():
            tf.summary.scalar(f"validation/{metric}", value, step=step)
        detail = "" if len(per_source) == 1 else "  (worse of " + ", ".join(
            f"{name} {r['psnr']:.2f}/{r['ssim']:.3f}" for name, r in per_source.items()) + ")"
        logging.info("step %d  validation psnr %.4f  ssim %.4f%s", step, worst["psnr"], worst["ssim"],
                     detail)
        return {**worst, "sources": per_source}

    def finish(self, weights_path, run_info):
        """Writes final fp32 weights and run.json. Other workers of a multi-worker run write
        their weights beside them as `worker_<id>.weights.h5` (to check they agree) and remove
        their temporary checkpoints."""
        if not self.chief:
            shutil.rmtree(self._checkpoint_dir, ignore_errors=True)
            weights_path = os.path.join(os.path.dirname(weights_path),
                                        f"worker_{self.worker_index}.weights.h5")
            with atomic_path(weights_path, overwrite=True) as tmp:
                self.model.save_weights(tmp)
            return weights_path
        with atomic_path(weights_path, overwrite=True) as tmp:
            self.model.save_weights(tmp)
        with atomic_path(os.path.join(self.model_dir, "run.json"), overwrite=True) as tmp:
            with open(tmp, "w") as handle:
                json.dump({**run_info, "git_commit": _git_commit()}, handle, indent=2)
        return weights_path


def _git_commit():
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True,
                              cwd=os.path.dirname(__file__), check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
