"""TFDS conventions test of gladnet_raw on dummy_data (PNG, 16-bit TIFF, DNG, a corrupt JPEG and
an empty NEF, which are skipped)."""
import tensorflow_datasets as tfds

from datasets.gladnet_raw import gladnet_raw_dataset_builder


class GladnetRawTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = gladnet_raw_dataset_builder.Builder
    BUILDER_CONFIG_NAMES_TO_TEST = ["paper", "full", "paper_local", "paper_hdr"]
    SKIP_CHECKSUMS = True
    # 5 readable files in train x 4 pairs + 2 black + 2 white; 1 file in validation x 4 pairs.
    SPLITS = {"train": 24, "validation": 4}


if __name__ == "__main__":
    tfds.testing.test_main()
