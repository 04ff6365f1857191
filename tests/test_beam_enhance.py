"""gladnet-enhance-beam on the DirectRunner: the bytes gladnet-enhance writes, bad files in the
dead-letter file, existing outputs left alone; in-process and multi-process."""
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from gladnet_tf import beam_enhance, enhance

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.dirname(sys.executable)


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    folder = tmp_path_factory.mktemp("library")
    for name in ("sice_1106.jpg", "kluki1.png"):
        image = cv2.imread(os.path.join(REPO, "samples", name))
        small = cv2.resize(image, (96, 72), interpolation=cv2.INTER_AREA)
        cv2.imwrite(str(folder / name), small)
    deep = cv2.resize(cv2.imread(os.path.join(REPO, "samples", "lime_4.png")), (64, 48)).astype(np.uint16) * 257
    cv2.imwrite(str(folder / "deep16.png"), deep)
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff not really")
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.txt").write_text("not a photo")
    return folder


@pytest.fixture(scope="module")
def cli_outputs(library, tmp_path_factory):
    out = tmp_path_factory.mktemp("cli")
    enhance.main([str(library), "--output-dir", str(out), "--bits", "16"])
    return out


def outputs(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))
            if name.endswith(".png")}


def test_pipeline_writes_the_clis_bytes_and_a_dead_letter_file(library, cli_outputs, tmp_path, capsys):
    status = beam_enhance.main(["--inputs", f"{library}/*", "--output_dir", str(tmp_path), "--bits", "16"])
    assert status == 1  # two files failed
    assert outputs(tmp_path) == outputs(cli_outputs) and len(outputs(tmp_path)) == 3
    assert cv2.imread(str(tmp_path / "deep16.png"), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    failed = (tmp_path / "_failed.txt").read_text().splitlines()
    assert failed == [f"{library}/broken.jpg: not a readable image (corrupt, truncated or unsupported format)",
                      f"{library}/empty.png: empty file"]
    assert capsys.readouterr().out.strip().endswith("done 3, skipped 0, failed 2")


def test_existing_outputs_are_skipped_not_overwritten(library, tmp_path, capsys):
    (tmp_path / "kluki1.png").write_bytes(b"mine")
    beam_enhance.main(["--inputs", f"{library}/*.png", f"{library}/*.jpg", "--output_dir", str(tmp_path)])
    assert (tmp_path / "kluki1.png").read_bytes() == b"mine"
    assert capsys.readouterr().out.strip().endswith("done 2, skipped 1, failed 2")


def test_multi_process_direct_runner_gives_the_same_bytes(library, cli_outputs, tmp_path):
    result = subprocess.run(
        [os.path.join(BIN, "gladnet-enhance-beam"), "--inputs", f"{library}/*", "--output_dir",
         str(tmp_path), "--bits", "16", "--runner=DirectRunner", "--direct_running_mode=multi_processing",
         "--direct_num_workers=2"], capture_output=True, text=True, timeout=900)
    assert result.returncode == 1, result.stderr[-2000:]
    assert outputs(tmp_path) == outputs(cli_outputs)
    assert "done 3, skipped 0, failed 2" in result.stdout
