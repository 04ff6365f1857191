"""Before/after contact sheet: each pair is input | output; pairs fill justified rows, like a
photo gallery, so portrait, square and landscape pairs leave no large blank areas."""
import cv2
import numpy as np

ROW_HEIGHT = 240
SHEET_WIDTH = 1800
GAP = 4


def _white(height, width):
    return np.ones((height, width, 3), np.float32)


def _pair_cell(before, after, height):
    width = max(1, round(before.shape[1] * height / before.shape[0]))
    cells = [cv2.resize(im, (width, height), interpolation=cv2.INTER_AREA) for im in (before, after)]
    return np.concatenate([cells[0], _white(height, GAP), cells[1]], 1)


def _rows(widths, sheet_width):
    """Consecutive runs of indices, as many as the widths fill sheets, each about as wide."""
    count = max(1, round(sum(widths) / sheet_width))
    bounds = np.cumsum(widths) / sum(widths) * count  # row number, in [0, count], at each end
    rows = [[] for _ in range(count)]
    for index, end in enumerate(bounds):
        start = end - widths[index] / sum(widths) * count
        rows[min(count - 1, int((start + end) / 2))].append(index)  # by the pair's middle
    return [row for row in rows if row]


def _fit(row, width):
    """Crops or white-pads a row to `width` (rounding leaves it a few pixels off)."""
    if row.shape[1] >= width:
        return row[:, :width]
    return np.concatenate([row, _white(row.shape[0], width - row.shape[1])], 1)


def before_after(pairs, row_height=ROW_HEIGHT, sheet_width=SHEET_WIDTH):
    """One float RGB image of (before, after) float RGB pairs, white gaps between, in rows of
    about `row_height` scaled to the sheet's width."""
    aspects = [2 * before.shape[1] / before.shape[0] for before, _ in pairs]  # the pair's images
    natural = [a * row_height + 2 * GAP for a in aspects]  # with the inner gap and the one after
    width = round(max(max(natural), min(sheet_width, sum(natural))))
    rows = []
    for indices in _rows(natural, width):
        fill = (width - 2 * GAP * len(indices) + GAP) / sum(aspects[i] for i in indices)
        height = max(1, round(min(fill, 2 * row_height)))
        cells = []
        for i in indices:
            cells += [_pair_cell(*pairs[i], height), _white(height, GAP)]
        rows += [_fit(np.concatenate(cells[:-1], 1), width), _white(GAP, width)]
    return np.concatenate(rows[:-1], 0)
