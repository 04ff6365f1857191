"""TFDS conventions test of paired_images on dummy_data (LOL layout: our485/ and eval15/)."""
import tensorflow_datasets as tfds

from datasets.paired_images import paired_images_dataset_builder


class PairedImagesTest(tfds.testing.DatasetBuilderTestCase):
    DATASET_CLASS = paired_images_dataset_builder.Builder
    SKIP_CHECKSUMS = True
    SPLITS = {"train": 3, "test": 1}


if __name__ == "__main__":
    tfds.testing.test_main()
