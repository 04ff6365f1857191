"""Before/after contact sheet: one row per image, input on the left, output on the right."""
import cv2
import numpy as np

ROW_HEIGHT = 240
GAP = 4


def before_after(pairs, row_height=ROW_HEIGHT):
    """Stacks (before, after) float RGB pairs into one float RGB image, white gaps between."""
    rows = []
    for before, after in pairs:
        width = max(1, round(before.shape[1] * row_height / before.shape[0]))
        cells = [cv2.resize(im, (width, row_height), interpolation=cv2.INTER_AREA) for im in (before, after)]
        rows.append(np.concatenate([cells[0], np.ones((row_height, GAP, 3), np.float32), cells[1]], 1))
    width = max(row.shape[1] for row in rows)
    padded = [np.pad(r, ((0, GAP), (0, width - r.shape[1]), (0, 0)), constant_values=1.0) for r in rows]
    return np.concatenate(padded, 0)[:-GAP]
