"""paired_images: real low-light/normal-light pairs in the common folder layout (LOL and similar).

`manual_dir` holds either `low/` and `high/` (split into `train` and a held-out `validation` by
the low image's content hash, about 15 %: `imageio.hash_split`), or one subfolder per split,
each with `low/` and `high/`. LOL's own names map to splits: `our485` -> train, `eval15` -> test.
Files pair by name without extension (`low/1.png` with `high/1.png`); a missing partner fails
the build with the file named.
"""
import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from gladnet_tf import imageio

SPLIT_NAMES = {"our485": "train", "eval15": "test"}


class Builder(tfds.core.GeneratorBasedBuilder):
    """Real (low, high) image pairs from folders."""

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {"1.0.0": "Initial release.",
                     "1.1.0": "A flat low/ high/ folder is split into train and validation; WebP read."}
    MANUAL_DOWNLOAD_INSTRUCTIONS = """
    Pass the folder holding low/ and high/ (or split subfolders such as LOL's our485/ and eval15/,
    each with low/ and high/) as --manual_dir.
    """

    def _info(self):
        image = tfds.features.Image(shape=(None, None, 3), dtype=np.uint16, encoding_format="png")
        return self.dataset_info_from_configs(
            features=tfds.features.FeaturesDict({"low": image, "high": image,
                                                 "name": tfds.features.Text()}),
            supervised_keys=("low", "high"),
            homepage="https://daooshee.github.io/BMVC2018website/",
        )

    def _split_generators(self, dl_manager):
        root = epath.Path(dl_manager.manual_dir)
        if (root / "low").is_dir():
            splits = imageio.hash_split(imageio.pair_files(str(root / "low"), str(root / "high")))
            return {name: self._generate_examples(items) for name, items in splits.items()}
        folders = sorted(p for p in root.iterdir() if (p / "low").is_dir())
        if not folders:
            raise FileNotFoundError(f"{root}: no low/ and high/ folders found")
        return {SPLIT_NAMES.get(p.name, p.name): self._generate_examples(
            imageio.pair_files(str(p / "low"), str(p / "high"))) for p in folders}

    def _generate_examples(self, pairs):
        for low, high in pairs:
            name = epath.Path(low).stem
            yield name, {"low": self._read(low), "high": self._read(high), "name": name}

    @staticmethod
    def _read(path):
        return imageio.to_uint(imageio.read_image(path)[0], 16)
