"""experiments/select_photos.py: photos NIQE rates natural are linked, the rest listed."""
import os
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from conftest import REPO, SHARED

SCRIPT = os.path.join(REPO, "experiments", "select_photos.py")
NATURAL = SHARED / "data" / "photos" / "kodak24" / "kodim23.png"


def select(*args):
    return subprocess.run([sys.executable, SCRIPT, *map(str, args)], capture_output=True, text=True)


@pytest.mark.skipif(not NATURAL.exists(), reason=f"{NATURAL} not found (../shared)")
def test_natural_photos_are_linked_and_graphics_left_out(tmp_path):
    source = tmp_path / "photos"
    (source / "a").mkdir(parents=True)
    shutil.copy(NATURAL, source / "a" / "natural.png")
    ramp = np.tile(np.linspace(40, 220, 600, dtype=np.float32), (400, 1))  # a flat graphic
    cv2.imwrite(str(source / "a" / "ramp.png"), np.round(np.dstack([ramp] * 3)).astype(np.uint8))
    (source / "broken.jpg").write_bytes(b"not a jpeg")
    target = tmp_path / "selected"

    result = select(source, target, "--max_niqe", 4.0)

    assert result.returncode == 0, result.stderr
    assert os.path.realpath(target / "a" / "natural.png") == str(source / "a" / "natural.png")
    assert sorted(os.listdir(target / "a")) == ["natural.png"]
    assert "left out a/ramp.png: NIQE" in result.stdout
    assert f"skipped {source / 'broken.jpg'}: " in result.stdout
    assert result.stdout.splitlines()[-1].startswith("1 photos linked")
    again = select(source, target)
    assert again.returncode != 0 and "not empty" in again.stderr
    missing = select(tmp_path / "no_such_folder", tmp_path / "other")
    assert missing.returncode != 0 and "no_such_folder: not a folder" in missing.stderr
