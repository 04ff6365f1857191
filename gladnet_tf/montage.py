"""Contact sheets: each group (input | output, or input | outputs | reference) sits side by side;
groups fill justified rows, like a photo gallery, so portrait, square and landscape photos leave
no large blank areas."""
import cv2
import numpy as np

ROW_HEIGHT = 240
SHEET_WIDTH = 1800
GAP = 4


def _white(height, width):
    return np.ones((height, width, 3), np.float32)


def _side_by_side(images):
    """Images of one height, left to right, GAP white columns between."""
    cells = []
    for image in images:
        cells += [image, _white(image.shape[0], GAP)]
    return np.concatenate(cells[:-1], 1)


def _group_cell(images, height):
    width = max(1, round(images[0].shape[1] * height / images[0].shape[0]))
    return _side_by_side([cv2.resize(im, (width, height), interpolation=cv2.INTER_AREA) for im in images])


def _rows(widths, sheet_width):
    """Consecutive runs of indices, as many as the widths fill sheets, each about as wide."""
    total = sum(widths)
    count = max(1, round(total / sheet_width))
    bounds = np.cumsum(widths) / total * count  # row number, in [0, count], at each end
    rows = [[] for _ in range(count)]
    for index, end in enumerate(bounds):
        start = end - widths[index] / total * count
        rows[min(count - 1, int((start + end) / 2))].append(index)  # by the pair's middle
    return [row for row in rows if row]


def _fit(row, width):
    """Crops or white-pads a row to `width` (rounding leaves it a few pixels off)."""
    if row.shape[1] >= width:
        return row[:, :width]
    return np.concatenate([row, _white(row.shape[0], width - row.shape[1])], 1)


def contact_sheet(groups, row_height=ROW_HEIGHT, sheet_width=SHEET_WIDTH):
    """One float RGB image of groups of same-size float RGB images (e.g. (before, after)), white
    gaps between, in rows of about `row_height` scaled to the sheet's width."""
    aspects = [len(g) * g[0].shape[1] / g[0].shape[0] for g in groups]  # the group's images
    natural = [a * row_height + len(g) * GAP for a, g in zip(aspects, groups)]  # with its gaps
    width = round(max(max(natural), min(sheet_width, sum(natural))))
    rows = []
    for indices in _rows(natural, width):
        gaps = sum(len(groups[i]) * GAP for i in indices) - GAP
        fill = (width - gaps) / sum(aspects[i] for i in indices)
        height = max(1, round(min(fill, 2 * row_height)))
        row = _side_by_side([_group_cell(groups[i], height) for i in indices])
        rows += [_fit(row, width), _white(GAP, width)]
    return np.concatenate(rows[:-1], 0)
