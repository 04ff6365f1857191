"""Train GLADNet: python -m gladnet_tf.train --flagfile=experiments/base.flags

Data comes from built TFDS datasets (--tfds: `dataset/config` in --data_dir, or the folder of a
built version; several, comma-separated, each with an optional `:weight`, are mixed patch by
patch in those proportions and validated one by one) or from paired --low_dir/--high_dir folders.
A run resumes from the latest checkpoint in --model_dir when started again with the same command.
"""
import collections
import os
import sys

from absl import app, flags, logging

FLAGS = flags.FLAGS
flags.DEFINE_string("tfds", None, "TFDS dataset: dataset/config built in --data_dir (its newest "
                    "version; e.g. gladnet_raw/lowlight), or the folder of a built version; several "
                    "comma-separated ones are mixed, each `name:weight` (default weight 1), e.g. "
                    "gladnet_raw/lowlight:0.5,paired_images:0.5")
flags.DEFINE_string("data_dir", None, "TFDS data dir of a --tfds name (default: $TFDS_DATA_DIR "
                    "or ~/tensorflow_datasets)")
flags.DEFINE_string("train_split", "train", "TFDS split to train on")
flags.DEFINE_string("val_split", "validation", "TFDS split to validate on, per source ('' for "
                    "none; a source without it is not validated)")
flags.DEFINE_string("low_dir", None, "folder of low-light training images (wins over --tfds)")
flags.DEFINE_string("high_dir", None, "folder of their targets, paired by file name")
flags.DEFINE_integer("patch_size", 384, "square training patch size")
flags.DEFINE_integer("batch_size", 8, "global batch size, whatever the number of replicas")
flags.DEFINE_float("downscale", 1.0, "resize training images by this factor (<= 1) before "
                   "cropping, so that patches cover more of each scene")
flags.DEFINE_float("downscale_min", None, "draw each pair's factor uniformly from "
                   "[--downscale_min, --downscale] instead, so the network meets several scales")
flags.DEFINE_integer("epochs", 50, "epochs; one epoch = one patch per training image")
flags.DEFINE_integer("steps", 0, "train for this many steps in all (overrides --epochs if > 0)")
flags.DEFINE_float("base_lr", 1e-3, "initial learning rate (Adam)")
flags.DEFINE_integer("decay_steps", 100, "lr = base_lr * decay_rate ** (step / decay_steps)")
flags.DEFINE_float("decay_rate", 0.96, "see --decay_steps")
flags.DEFINE_string("init_weights", None, "start a new run from these .weights.h5 (fine-tuning; "
                    "e.g. gladnet_tf/weights/gladnet.weights.h5) instead of Glorot init")
flags.DEFINE_enum("loss_weights", "original", ["original", "equal"], "channel weights of the L1 "
                  "loss: the original's (R 0.114, G 0.587, B 0.299) or equal")
flags.DEFINE_enum("loss", "l1", ["l1", "l1_ssim"], "training loss: the original's L1, or "
                  "s (1 - SSIM) + (1 - s) L1 (Zhao et al.; s: --ssim_share)")
flags.DEFINE_float("ssim_share", 0.84, "with --loss=l1_ssim: the SSIM term's share s "
                   "(Zhao et al.'s 0.84)", lower_bound=0.0, upper_bound=1.0)
flags.DEFINE_integer("seed", 0, "seed of initialisation, shuffling, crops and augmentation")
flags.DEFINE_string("model_dir", None, "run folder: checkpoints, TensorBoard, final weights "
                    "(the flagfiles set runs/<recipe>)")
flags.DEFINE_enum("precision", "float32", ["float32", "mixed_bfloat16", "mixed_float16"],
                  "compute precision (variables stay float32)")
flags.DEFINE_integer("checkpoint_every", 200, "steps between checkpoints")
flags.DEFINE_integer("eval_every", 1000, "steps between validations (PSNR/SSIM, images)")
flags.DEFINE_integer("eval_images", 16, "validation images per evaluation (0: all)")
flags.DEFINE_integer("summary_every", 20, "steps between TensorBoard scalars")
flags.DEFINE_integer("log_every", 10, "steps between log lines")
flags.DEFINE_integer("keep_checkpoints", 3, "checkpoints kept")
flags.DEFINE_integer("shuffle_buffer", 64, "examples in the (encoded) shuffle buffer")


def fail(message):
    """One-line error and exit status 1, before any work."""
    sys.exit(f"gladnet_tf.train: error: {message}")


Source = collections.namedtuple("Source", "name train count val weight")


def parse_tfds():
    """[(name, weight)] of --tfds."""
    sources = []
    for item in FLAGS.tfds.split(","):
        name, _, weight = item.strip().rpartition(":")
        try:
            value = float(weight)
        except ValueError:
            name, value = item.strip(), 1.0
        if not name or value < 0:
            fail(f"--tfds {item}: give dataset/config or dataset/config:weight (weight >= 0)")
        sources.append((name, value))
    if not sum(weight for _, weight in sources) > 0:
        fail(f"--tfds {FLAGS.tfds}: the weights add up to zero")
    return sources


def load_sources():
    """[Source] to train on, failing fast, in one line naming the source, on one that cannot
    give a patch (unbuilt, undecodable, or no image as large as a patch)."""
    from gladnet_tf import data, imageio

    sources = []
    if FLAGS.tfds:
        for name, weight in parse_tfds():
            folder = tfds_folder(name)
            try:
                train, count = data.from_tfds(folder, FLAGS.train_split)
                val = data.from_tfds(folder, FLAGS.val_split)[0] \
                    if FLAGS.val_split and data.has_split(folder, FLAGS.val_split) else None
            except Exception as error:  # TFDS raises many types for a missing or unbuilt dataset
                fail(f"--tfds {name}: {str(error).splitlines()[0]}")
            if FLAGS.val_split and val is None:
                logging.warning("%s has no %s split: not validated", name, FLAGS.val_split)
            sources.append(Source(name, train, count, val, weight))
    else:
        if not (FLAGS.low_dir and FLAGS.high_dir):
            fail("--low_dir and --high_dir go together")
        for name in ("low_dir", "high_dir"):
            if not os.path.isdir(FLAGS[name].value):
                fail(f"--{name} {FLAGS[name].value}: no such folder")
        try:
            train, count = data.from_folders(FLAGS.low_dir, FLAGS.high_dir)
        except imageio.ImageError as error:
            fail(str(error))
        sources.append(Source(f"--low_dir {FLAGS.low_dir}", train, count, None, 1.0))
    for source in sources:
        try:
            data.check_decodes(source.train)
        except ValueError as error:
            fail(f"{source.name}: {error}")
        largest = int(data.largest_patch(source.train) * FLAGS.downscale)
        if FLAGS.patch_size > largest:
            fail(f"{source.name}: --patch_size {FLAGS.patch_size} is larger than every training "
                 f"image (the largest patch after --downscale {FLAGS.downscale} is {largest})")
    return sources


def tfds_folder(name):
    """The built dataset's folder for a --tfds name, or a one-line failure saying how to build it."""
    from gladnet_tf import data
    try:
        return data.resolve_tfds(name, FLAGS.data_dir)
    except data.DatasetNotBuiltError as error:
        if os.path.isabs(os.path.expanduser(name)) or name.startswith("."):
            fail(f"--tfds {name}: no such folder")
        fail(str(error))


def check_flags():
    if FLAGS.low_dir or FLAGS.high_dir:
        FLAGS.tfds = None  # folders win over --tfds (which the flagfiles set)
    elif not FLAGS.tfds:
        fail("give either --tfds or both --low_dir and --high_dir")
    else:
        for name, _ in parse_tfds():
            tfds_folder(name)
    if not FLAGS.model_dir:
        fail("give --model_dir (the folder for checkpoints and weights)")
    if not 0 < FLAGS.downscale <= 1:
        fail(f"--downscale {FLAGS.downscale}: must be in (0, 1]")
    if FLAGS.downscale_min is not None and not 0 < FLAGS.downscale_min <= FLAGS.downscale:
        fail(f"--downscale_min {FLAGS.downscale_min}: must be in (0, --downscale]")
    if FLAGS.patch_size < 1 or FLAGS.batch_size < 1:
        fail("--patch_size and --batch_size must be positive")
    if FLAGS.init_weights and not os.path.isfile(FLAGS.init_weights):
        fail(f"--init_weights {FLAGS.init_weights}: no such file")


def check_init_weights():
    """Fails fast when --init_weights is not a GLADNet weights file."""
    from gladnet_tf.model import build_gladnet
    try:
        build_gladnet().load_weights(FLAGS.init_weights)
    except Exception as error:  # h5py and Keras raise many types for a foreign file
        fail(f"--init_weights {FLAGS.init_weights}: not GLADNet weights ({str(error).splitlines()[0]})")


def main(argv):
    del argv
    check_flags()
    import tensorflow as tf

    from gladnet_tf import data, trainer

    strategy = trainer.make_strategy()  # first: multi-worker collectives need a fresh runtime
    sources = load_sources()
    count = sum(source.count for source in sources)
    if FLAGS.init_weights:
        check_init_weights()
    if FLAGS.batch_size % strategy.num_replicas_in_sync:
        fail(f"--batch_size {FLAGS.batch_size} does not split over "
             f"{strategy.num_replicas_in_sync} replicas")
    make_batches = lambda batch, shard: data.training(  # noqa: E731
        [source.train for source in sources], FLAGS.patch_size, batch, FLAGS.seed, FLAGS.downscale,
        FLAGS.shuffle_buffer, shard, FLAGS.downscale_min, [source.weight for source in sources])
    steps_per_epoch = max(1, count // FLAGS.batch_size)
    total_steps = FLAGS.steps or FLAGS.epochs * steps_per_epoch
    schedule = trainer.learning_rate_schedule(FLAGS.base_lr, FLAGS.decay_steps, FLAGS.decay_rate)
    run = trainer.Trainer(FLAGS.model_dir, strategy, FLAGS.precision, schedule, FLAGS.seed,
                          FLAGS.keep_checkpoints, FLAGS.init_weights,
                          trainer.LOSS_WEIGHTS[FLAGS.loss_weights], FLAGS.loss, FLAGS.ssim_share)
    val_batches = {source.name: data.validation(source.val) for source in sources
                   if source.val is not None} or None
    total_weight = sum(source.weight for source in sources)
    logging.info("%d training pairs (%s), %d steps per epoch, %d steps in all, %d replica(s)", count,
                 ", ".join(f"{s.name}: {s.count}, {s.weight / total_weight:.0%} of patches"
                           for s in sources), steps_per_epoch, total_steps,
                 strategy.num_replicas_in_sync)
    try:
        results = run.fit(make_batches, FLAGS.batch_size, total_steps, val_batches, FLAGS.log_every,
                          FLAGS.summary_every, FLAGS.checkpoint_every, FLAGS.eval_every,
                          FLAGS.eval_images or None)
    except trainer.NonFiniteLossError as error:
        fail(str(error))
    weights = run.finish(os.path.join(FLAGS.model_dir, "gladnet.weights.h5"), {
        "flags": {f.name: f.value for f in FLAGS.get_key_flags_for_module(sys.modules[__name__])},
        "tensorflow": tf.__version__, **results})
    if weights:
        logging.info("final weights: %s", weights)


def run():
    """Entry point of `python -m gladnet_tf.train` and `gladnet-train`."""
    from gladnet_tf import quiet
    quiet.start_tensorflow(sys.argv)
    app.run(main)


if __name__ == "__main__":
    run()
