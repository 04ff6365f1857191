"""gladnet_raw built from fixtures made here: DNGs and sRGB files in, sensible pairs out."""
import logging
import shutil

import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from datasets.gladnet_raw import gladnet_raw_dataset_builder as gladnet_raw
from dng import write_dng
from gladnet_tf import imageio, synthesis


def _scene(h, w, seed, noise=0.05):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([x, y, 0.5 + 0.3 * np.sin(8 * x * y)], -1) + rng.normal(0, noise, (h, w, 3))
    return np.clip(base, 0.02, 0.98).astype(np.float32)


@pytest.fixture(scope="module")
def photos(tmp_path_factory):
    folder = tmp_path_factory.mktemp("photos")
    for i in range(4):
        write_dng(str(folder / f"raw_{i}.dng"), _scene(20, 30, i) ** 2.2)
    (folder / "sub").mkdir()
    for i in range(4):
        cv2.imwrite(str(folder / "sub" / f"photo_{i}.png"), (_scene(30, 20, 10 + i) * 255).astype(np.uint8))
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    (folder / "empty.cr2").write_bytes(b"")
    return folder


def _build(manual_dir, data_dir, config="paper", **download_config):
    builder = gladnet_raw.Builder(config=config, data_dir=str(data_dir))
    builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
        manual_dir=str(manual_dir), **download_config))
    return builder


def _examples(builder, split):
    return {(ex["source"], ex["seed"]): ex for ex in tfds.as_numpy(builder.as_dataset(split=split))}


def splits_of(builder):
    return {name for name, split in builder.info.splits.items() if split.num_examples}


def _png_folder(folder, count, unreadable=0):
    folder.mkdir()
    for i in range(count):
        cv2.imwrite(str(folder / f"p{i}.png"), (_scene(20, 30, 20 + i) * 255).astype(np.uint8))
    for i in range(unreadable):
        (folder / f"bad{i}.jpg").write_bytes(b"not a jpeg")
    return folder


@pytest.mark.parametrize("count,unreadable", [(2, 0), (5, 0), (2, 3)])
def test_small_folders_get_a_validation_photo(tmp_path, count, unreadable):
    builder = _build(_png_folder(tmp_path / "photos", count, unreadable), tmp_path / "data")
    assert splits_of(builder) == {"train", "validation"}
    sources = lambda split: {ex["source"] for ex in _examples(builder, split).values()}  # noqa: E731
    assert len(sources("validation")) >= 1
    assert len(sources("train") - {b"black", b"white"}) == count - len(sources("validation"))


def test_one_photo_makes_a_train_only_dataset(tmp_path, caplog):
    with caplog.at_level(logging.WARNING):
        builder = _build(_png_folder(tmp_path / "photos", 1, unreadable=1), tmp_path / "data")
    assert splits_of(builder) == {"train"}
    assert "train split only" in caplog.text


def test_folder_without_readable_photos_is_one_clear_error(tmp_path):
    folder = _png_folder(tmp_path / "photos", 0, unreadable=3)
    with pytest.raises(ValueError) as error:
        _build(folder, tmp_path / "data")
    assert str(error.value) == f"{folder}: none of the 3 image files could be read"


def test_folder_without_photos_is_one_clear_error(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "notes.txt").write_text("no photos here")
    with pytest.raises(FileNotFoundError) as error:
        _build(folder, tmp_path / "data")
    assert str(error.value) == f"{folder}: no RAW or image files found"


def test_synthetic_dng_decodes_to_its_linear_rgb(tmp_path):
    linear = _scene(12, 16, 0, noise=0) ** 2.2
    write_dng(str(tmp_path / "x.dng"), linear)
    decoded = imageio.read_linear(str(tmp_path / "x.dng"))
    assert decoded.shape == (24, 32, 3)  # one 2x2 Bayer cell per pixel written
    # Each colour is exact where the RGGB mosaic sampled it (elsewhere it is interpolated).
    np.testing.assert_allclose(decoded[0::2, 0::2, 0], linear[..., 0], atol=1e-3)
    np.testing.assert_allclose(decoded[0::2, 1::2, 1], linear[..., 1], atol=1e-3)
    np.testing.assert_allclose(decoded[1::2, 1::2, 2], linear[..., 2], atol=1e-3)


def test_build_makes_sensible_pairs_and_skips_bad_files(photos, tmp_path, caplog):
    with caplog.at_level(logging.INFO):
        builder = _build(photos, tmp_path)
    log = caplog.text
    assert "broken.jpg" in log and "not a readable image" in log
    assert "empty.cr2" in log and "empty file" in log
    assert "2 skipped" in log
    assert splits_of(builder) == {"train", "validation"}
    splits = builder.info.splits
    assert splits["train"].num_examples + splits["validation"].num_examples == 8 * 4 + 4
    examples = list(_examples(builder, "train").values()) + list(_examples(builder, "validation").values())
    photo_pairs = [ex for ex in examples if ex["source"] not in (b"black", b"white")]
    for ex in photo_pairs:
        low, high = ex["low"].astype(np.float32) / 255, ex["high"].astype(np.float32) / 255
        assert low.shape == high.shape and low.shape[:2] in ((400, 600), (600, 400))
        assert -5 <= ex["exposure"] <= 0 and -100 <= ex["vibrance"] <= 0 and -100 <= ex["contrast"] <= 0
        if ex["exposure"] < -2:  # darker by the exposure, give or take what contrast lifts back
            # (at most 1.5x on dark sRGB values, about 1.4 EV in linear light)
            ratio = synthesis.srgb_to_linear(low).mean() / synthesis.srgb_to_linear(high).mean()
            assert ratio < 2.0 ** (ex["exposure"] + 1.5)
    constants = [ex for ex in examples if ex["source"] in (b"black", b"white")]
    assert len(constants) == 4 and all(np.array_equal(ex["low"], ex["high"]) for ex in constants)


def test_split_is_stable_under_renaming(photos, tmp_path):
    renamed = tmp_path / "renamed"
    shutil.copytree(photos, renamed)
    for i, path in enumerate(sorted(renamed.rglob("*.dng"))):
        path.rename(path.with_name(f"zz_{9 - i}.dng"))
    first = _build(photos, tmp_path / "a")
    second = _build(renamed, tmp_path / "b")
    for split in ("train", "validation"):  # seeds derive from file contents, not names
        assert sorted(seed for _, seed in _examples(first, split)) == \
            sorted(seed for _, seed in _examples(second, split))


def test_full_config_is_16_bit_at_full_resolution(photos, tmp_path):
    builder = _build(photos, tmp_path, config="full")
    examples = list(tfds.as_numpy(builder.as_dataset(split="train")))
    assert all(example["low"].dtype == np.uint16 for example in examples)
    shapes = {example["high"].shape[:2] for example in examples if example["source"] not in (b"black", b"white")}
    assert shapes == {(40, 60), (30, 20)}, shapes  # the photos' own sizes, not the paper's 600x400


def test_beam_direct_runner_builds_the_same_pairs(photos, tmp_path):
    beam = pytest.importorskip("apache_beam")
    local = _build(photos, tmp_path / "local")
    with_beam = _build(photos, tmp_path / "beam",
                       beam_options=beam.options.pipeline_options.PipelineOptions(["--runner=DirectRunner"]))
    for split in ("train", "validation"):
        a, b = _examples(local, split), _examples(with_beam, split)
        assert sorted(a) == sorted(b)
        for key in a:
            np.testing.assert_array_equal(a[key]["low"], b[key]["low"])


def test_paired_images_missing_partner_is_a_clear_error(tmp_path):
    from datasets.paired_images import paired_images_dataset_builder as paired_images
    for side in ("low", "high"):
        (tmp_path / "in" / side).mkdir(parents=True)
        cv2.imwrite(str(tmp_path / "in" / side / "1.png"), np.zeros((4, 4, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "in" / "high" / "2.png"), np.zeros((4, 4, 3), np.uint8))
    builder = paired_images.Builder(data_dir=str(tmp_path / "data"))
    with pytest.raises(imageio.ImageError, match=r"high/2.png: no partner named 2\.\* in .*low"):
        builder.download_and_prepare(download_config=tfds.download.DownloadConfig(
            manual_dir=str(tmp_path / "in")))
