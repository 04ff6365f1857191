"""gladnet_raw: dark/bright training pairs synthesised from your RAW (or sRGB) photos.

As the GLADNet paper did with 780 RAISE RAW photos: every photo gives `pairs_per_photo` pairs, each
with its own exposure, vibrance and contrast drawn from the paper's ranges (see
`gladnet_tf.synthesis`), some of them grayscale, plus a few all-black and all-white pairs.
"""
import dataclasses
import hashlib

import cv2
import numpy as np
import tensorflow_datasets as tfds
from absl import logging
from etils import epath

from gladnet_tf import imageio, synthesis

VALIDATION_PERCENT = 10
SMALL_FOLDER = 20  # files; up to this many, every photo is test-decoded before the split
CONSTANT_PAIRS = 2  # all-black and all-white pairs each, in the train split
PAPER_SIZE = (600, 400)  # long side, short side


@dataclasses.dataclass
class BuilderConfig(tfds.core.BuilderConfig):
    resize: bool = True
    pairs_per_photo: int = 4
    bits: int = 8
    recipe: str = "paper"  # synthesis.RECIPES entry: how dark inputs are made


def file_digest(path):
    digest = hashlib.sha256()
    with epath.Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def is_validation(digest):
    """Stable split: by content hash, never by listing order or name."""
    return int(digest[:8], 16) % 100 < VALIDATION_PERCENT


def readable(path):
    """Whether a photo decodes (an unreadable one is logged)."""
    try:
        imageio.read_linear(path)
        return True
    except imageio.ImageError as error:
        logging.warning("gladnet_raw: skipped %s", error)
        return False


def split_files(files, is_readable):
    """{"train": [...], "validation": [...]} of (path, digest) items, by content hash.

    Validation photos are checked with `is_readable` (unreadable ones are dropped; train photos
    too in folders of up to SMALL_FOLDER files), and a folder whose hash split left no readable
    validation photo gives its lowest-hash readable photo to validation: two or more readable
    photos always make both splits, one makes a train split only, none an empty dict.
    """
    validation = [item for item in files if is_validation(item[1]) and is_readable(item[0])]
    train = [item for item in files if not is_validation(item[1])
             and (len(files) > SMALL_FOLDER or is_readable(item[0]))]
    if not validation:
        for item in sorted(train, key=lambda item: int(item[1][:8], 16) % 100):
            if is_readable(item[0]):
                validation = [item]
                train.remove(item)
                break
        else:
            return {}
        if not train:  # the only readable photo trains
            return {"train": validation}
    return {"train": train, "validation": validation}


def resize_like_paper(image):
    """Resizes to 600x400 (or 400x600 for portrait photos), area-averaged, as the paper did."""
    long_side, short_side = PAPER_SIZE
    size = (long_side, short_side) if image.shape[1] >= image.shape[0] else (short_side, long_side)
    return cv2.resize(image, size, interpolation=cv2.INTER_AREA)


class Builder(tfds.core.GeneratorBasedBuilder):
    """Synthetic GLADNet training pairs from a folder of RAW and/or sRGB photos."""

    VERSION = tfds.core.Version("1.9.0")
    RELEASE_NOTES = {
        "1.0.0": "Initial release.",
        "1.1.0": "Contrast reduction keeps black at 0 (inverse S-curve) instead of lifting it.",
        "1.2.0": "lowlight: targets at most 4-7 EV brighter than their input, noise under "
                 "white-balance gains, half the vibrance range (other configs unchanged).",
        "1.3.0": "lowlight: dark inputs up to near a normal exposure (key 0.0005-0.15), no "
                 "vibrance edit (other configs unchanged).",
        "1.4.0": "lowlight: targets up to 1 EV brighter than their photo where the exposure "
                 "ratio reaches that far (other configs unchanged).",
        "1.5.0": "lowlight: no contrast edit (other configs unchanged).",
        "1.6.0": "lowlight: sensor noise up to 3.3x stronger (1500-256000 photons full scale; "
                 "other configs unchanged).",
        "1.7.0": "lowlight: the exposure gap measured from the input as recorded (black level "
                 "and noise included), so dark inputs' targets are the drawn 4-7 EV brighter, "
                 "not about 0.5 EV less (same inputs; other configs unchanged).",
        "1.8.0": "lowlight: targets with 0.3 of their 2-20 px band of L* added (target_clarity; "
                 "same inputs; other configs unchanged).",
        "1.9.0": "lowlight: the strong end of the noise range (below 16000 photons) for dark "
                 "keys up to 0.004 only, receding to 16000 at 0.02 (other configs unchanged).",
    }
    BUILDER_CONFIGS = [
        BuilderConfig(name="paper", description="The paper's recipe: photos resized to 600x400, "
                      "4 pairs per photo, 8-bit PNG."),
        BuilderConfig(name="full", description="Full resolution, 16-bit PNG, 4 pairs per photo.",
                      resize=False, bits=16),
        BuilderConfig(name="paper_noise", description="The paper's recipe plus Poisson-Gaussian "
                      "sensor noise on the dark inputs (an extension).", recipe="paper_noise"),
        BuilderConfig(name="paper_local", description="The paper's recipe with an exposure that "
                      "varies smoothly over the image, up to 5 EV less dark in places, as in "
                      "unevenly lit scenes (an extension).", recipe="paper_local"),
        BuilderConfig(name="paper_hdr", description="The paper's recipe with clipped highlights "
                      "(lamps, windows, sky) kept up to 5 EV brighter than white, so they stay "
                      "bright in the dark input (an extension).", recipe="paper_hdr"),
        BuilderConfig(name="lowlight", description="The shipped weights' recipe: inputs from as "
                      "dark as real low-light captures to near a normal exposure whatever the photo's "
                      "brightness, targets at most 4-7 EV brighter than their input and 1 EV "
                      "brighter than their photo and with more local contrast, no vibrance or "
                      "contrast edit, clipped light sources kept bright, sensor noise from clean "
                      "to high-ISO (see synthesis.RECIPES).",
                      recipe="lowlight"),
        BuilderConfig(name="lowlight_keyed_floor", description="lowlight's inputs bit for bit; "
                      "targets CLAHE-equalised for moderately dark inputs (dark key from 0.02), a "
                      "quarter equalised for the darkest (up to 0.004), log-linear between: the "
                      "last training stage of the shipped weights (see synthesis.RECIPES).",
                      recipe="lowlight_keyed_floor"),
        BuilderConfig(name="lowlight_dark", description="lowlight's darkest, cleanest inputs, a "
                      "black-level floor in every pair: half of the last training stage of the shipped "
                      "weights, beside real LOL pairs (see synthesis.RECIPES).",
                      recipe="lowlight_dark"),
    ]
    MANUAL_DOWNLOAD_INSTRUCTIONS = """
    Put your photos in one folder (subfolders are searched too) and pass it as --manual_dir.
    RAW files (.dng .nef .cr2 .cr3 .arw .orf .rw2 .raf .kdc ...) are decoded linearly with rawpy;
    sRGB PNG/JPEG/TIFF files (8 or 16 bit) are linearised. Well-exposed photos make the targets.
    """

    def _info(self):
        image = tfds.features.Image(shape=(None, None, 3), encoding_format="png",
                                    dtype=np.uint8 if self.builder_config.bits == 8 else np.uint16)
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({
                "low": image,
                "high": image,
                "exposure": np.float32,
                "vibrance": np.float32,
                "contrast": np.float32,
                "grayscale": np.bool_,
                "seed": np.int64,
                "source": tfds.features.Text(),
            }),
            supervised_keys=("low", "high"),
            homepage="https://github.com/weichen582/GLADNet",
        )

    def _download_and_prepare(self, dl_manager, download_config, **kwargs):
        self._use_beam = bool(download_config.beam_runner or download_config.beam_options)
        return super()._download_and_prepare(dl_manager, download_config, **kwargs)

    def _split_generators(self, dl_manager):
        root = epath.Path(dl_manager.manual_dir)
        paths = sorted(str(folder / name) for folder, _, names in root.walk()
                       for name in names if imageio.is_supported(name))
        if not paths:
            raise FileNotFoundError(f"{root}: no RAW or image files found")
        files = []
        for path in paths:
            try:
                files.append((path, file_digest(path)))
            except OSError as error:
                logging.warning("gladnet_raw: skipped %s: %s", path, error.strerror)
        splits = split_files(files, readable)
        dropped = len(files) - sum(len(items) for items in splits.values())
        if dropped:
            logging.info("gladnet_raw: %d skipped as unreadable before the split", dropped)
        if not splits:
            raise ValueError(f"{root}: none of the {len(paths)} image files could be read")
        if "validation" not in splits:
            logging.warning("gladnet_raw: only one readable photo in %s: train split only, "
                            "no validation split", root)
        return {name: self._generate_examples(items, name == "train") for name, items in splits.items()}

    def _generate_examples(self, files, with_constants):
        constants = list(self._constant_examples()) if with_constants else []
        if getattr(self, "_use_beam", False):
            beam = tfds.core.lazy_imports.apache_beam

            @beam.ptransform_fn
            def pairs(root):
                photos = root | "Photos" >> beam.Create(files) | beam.FlatMap(self._examples_or_skip)
                return (photos, root | "Constants" >> beam.Create(constants)) | beam.Flatten()

            return pairs()  # pylint: disable=no-value-for-parameter
        return self._generate_locally(files, constants)

    def _generate_locally(self, files, constants):
        skipped = []
        for item in files:
            yield from self._examples_or_skip(item, skipped)
        yield from constants
        logging.info("gladnet_raw: %d files used, %d skipped%s", len(files) - len(skipped),
                     len(skipped), "".join("\n  " + reason for reason in skipped))

    def _examples_or_skip(self, item, skipped=None):
        """The pairs of one photo, or none (logged, counted) when it cannot be read."""
        try:
            return list(self._examples_for_file(item))
        except imageio.ImageError as error:
            logging.warning("gladnet_raw: skipped %s", error)
            if skipped is not None:
                skipped.append(str(error))
            else:
                beam = tfds.core.lazy_imports.apache_beam
                beam.metrics.Metrics.counter("gladnet_raw", "skipped_files").inc()
            return []

    def _examples_for_file(self, item):
        """All pairs of one photo (raises ImageError for an unreadable one)."""
        path, digest = item
        linear = imageio.read_linear(path)
        if self.builder_config.resize:
            linear = resize_like_paper(linear)
        ranges = synthesis.RECIPES[self.builder_config.recipe]
        for index in range(self.builder_config.pairs_per_photo):
            seed = int(digest[:15], 16) + index
            low, high, params = synthesis.make_pair(linear, seed, ranges)
            yield f"{digest[:16]}_{index}", self._example(low, high, params, seed, path)

    def _constant_examples(self):
        long_side, short_side = PAPER_SIZE
        for value, name in ((0.0, "black"), (1.0, "white")):
            for index in range(CONSTANT_PAIRS):
                low, high = synthesis.constant_pair(value, (short_side, long_side, 3))
                params = {"exposure": 0.0, "vibrance": 0.0, "contrast": 0.0, "grayscale": False}
                yield f"{name}_{index}", self._example(low, high, params, index, name)

    def _example(self, low, high, params, seed, source):
        bits = self.builder_config.bits
        return {
            "low": imageio.to_uint(low, bits),
            "high": imageio.to_uint(high, bits),
            "exposure": params["exposure"],
            "vibrance": params["vibrance"],
            "contrast": params["contrast"],
            "grayscale": params["grayscale"],
            "seed": seed,
            "source": epath.Path(source).name,
        }
