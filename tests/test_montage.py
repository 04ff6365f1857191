"""Contact sheet: pairs of mixed aspect ratios fill justified rows without large blank areas."""
import numpy as np
import pytest

from gladnet_tf import montage

SAMPLE_SHAPES = [(480, 640), (640, 480), (500, 500), (400, 600), (600, 400), (768, 512), (512, 768)]


def pair(height, width, value):
    before = np.full((height, width, 3), value, np.float32)
    return before, before + 0.05


def blank_fraction(sheet):
    return np.all(sheet == 1.0, axis=-1).mean()


@pytest.mark.parametrize("shapes,most_blank", [
    (SAMPLE_SHAPES, 0.2),  # one-pair-per-row stacking: 0.37
    (SAMPLE_SHAPES * 3, 0.1),
    ([(100, 1000), (1000, 100), (300, 300)], 0.2),
    ([(400, 600)], 0.02),
])
def test_sheet_has_no_large_blank_areas(shapes, most_blank):
    sheet = montage.contact_sheet([pair(h, w, 0.02 * i) for i, (h, w) in enumerate(shapes)])
    assert blank_fraction(sheet) < most_blank
    widest = max(2 * w / h * montage.ROW_HEIGHT + 2 * montage.GAP for h, w in shapes)
    assert sheet.shape[1] <= max(montage.SHEET_WIDTH, round(widest))


def test_every_pair_appears_once_with_its_aspect_ratio():
    shapes = SAMPLE_SHAPES
    sheet = montage.contact_sheet([pair(h, w, 0.1 * i) for i, (h, w) in enumerate(shapes)])
    for i, (h, w) in enumerate(shapes):
        for value in (0.1 * i, 0.1 * i + 0.05):
            ys, xs = np.nonzero(np.isclose(sheet[..., 0], value, atol=1e-4))
            assert len(ys), f"pair {i} is missing"
            height, width = ys.max() - ys.min() + 1, xs.max() - xs.min() + 1
            assert abs(width / height - w / h) < 0.03 * w / h
            assert len(ys) == height * width  # one solid block
