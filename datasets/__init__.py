"""TFDS builders of gladnet-tf."""
