"""The split TFLite pair and the LiteRT engine: exact tiling (Python and the page's JavaScript
agree), any photo size assembled from the pair equals the TensorFlow path, gladnet-enhance
--engine tflite writes gladnet-enhance's pixels, both files pass the GPU delegate's rules."""
import json
import os
import shutil
import subprocess

import numpy as np
import pytest

from gladnet_tf import cpu, engine, enhance, export, gpu_compat, imageio, tflite_engine, tflite_model
from gladnet_tf.inference import HALO, Enhancer, shipped_weights, source_indices
from gladnet_tf.temporal import StableEnhancer

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WEIGHTS = shipped_weights()


@pytest.fixture(autouse=True)
def cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture(scope="module")
def photo():
    return imageio.read_image(os.path.join(REPO, "samples", "sice_1489.jpg"))[0]


@pytest.fixture(scope="module")
def whole():
    return Enhancer(WEIGHTS, "float32", memory_mb=1 << 16)  # never tiled: the reference


@pytest.mark.parametrize("window", [16, 64, 256])
def test_windows_cover_each_pixel_once_with_its_halo(window):
    for length in range(1, 700):
        spans = tflite_engine.windows(length, window)
        assert [s[0] for s in spans[1:]] == [s[1] for s in spans[:-1]]  # cores tile the axis
        assert spans[0][0] == 0 and spans[-1][1] == length
        for start, stop, lo in spans:
            assert start < stop and lo >= 0
            assert lo + window <= length or (len(spans) == 1 and lo == 0)  # a window never shifts past the edge
            assert lo <= max(start - HALO, 0) and min(stop + HALO, length) <= lo + window


@pytest.mark.parametrize("largest", [64, 256, 512])
def test_fitted_windows_stay_inside_the_photo_and_waste_only_halos(largest):
    for length in range(1, 2000):
        window = tflite_engine.fit_window(length, largest)
        spans = tflite_engine.windows(length, window)
        assert window <= min(length, largest)
        assert all(lo + window <= length for _, _, lo in spans)  # nothing masked: all inside
        if length > largest:
            assert len(spans) == -(-length // (largest - 2 * HALO))  # as few windows as fixed ones
            assert len(spans) * window < length + len(spans) * (2 * HALO + 1)


def test_the_pages_javascript_tiles_and_samples_as_python_does():
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node")
    lengths = [1, 2, 5, 95, 96, 97, 255, 256, 257, 383, 600, 1000, 3024, 4000, 4032, 6000, 9999]
    script = ("import {fitWindow, sourceIndices, windows} from './web/tiling.js';"
              f"const lengths = {json.dumps(lengths)};"
              "console.log(JSON.stringify(lengths.map((n) => ({down: Array.from(sourceIndices(n, 96)),"
              " up: Array.from(sourceIndices(96, n)), tiles: windows(n, 256), small: windows(n, 64),"
              " fitted: fitWindow(n, 512)}))));")
    result = json.loads(subprocess.run([node, "--input-type=module", "-e", script], cwd=REPO, check=True,
                                       capture_output=True, text=True).stdout)
    for length, js in zip(lengths, result):
        assert js["down"] == source_indices(length, 96).numpy().tolist(), length
        assert js["up"] == source_indices(96, length).numpy().tolist(), length
        assert [tuple(t) for t in js["tiles"]] == tflite_engine.windows(length, 256), length
        assert [tuple(t) for t in js["small"]] == tflite_engine.windows(length, 64), length
        assert js["fitted"] == tflite_engine.fit_window(length, 512), length


@pytest.mark.parametrize("height, width", [(300, 200), (200, 300), (256, 256), (37, 251), (129, 70)])
def test_photo_from_the_pair_equals_the_whole_model(photo, whole, height, width):
    """Portrait, landscape, square and odd sizes; 64-pixel tiles, so photos span many, and the
    devices' edge windows run past the photo (masked); the page's windows fitted to the photo."""
    image = photo[:height, :width]
    expected = whole(image)
    features = whole.global_features(image[::-1]).numpy()  # another picture's features are used
    for lite in (tflite_engine.LiteEnhancer(WEIGHTS, window=64),  # the devices' masked windows
                 tflite_engine.LiteEnhancer(WEIGHTS, window=64, fitted=True),  # the page's
                 tflite_engine.LiteEnhancer(WEIGHTS, memory_mb=8)):  # the CLI's fitted 64-pixel tiles
        np.testing.assert_allclose(lite(image), expected, atol=2e-5)
        np.testing.assert_allclose(lite.with_features(image, features), whole.with_features(image, features),
                                   atol=2e-5)


def test_pair_files_pass_the_gpu_delegate_rules_and_name_their_inputs(tmp_path):
    paths = export.export_tflite_pair(export.load_model(WEIGHTS), str(tmp_path), ["fp32", "fp16"], 64)
    assert sorted(os.path.basename(p) for p in paths) == [
        "gladnet_detail_fp16_64x64.tflite", "gladnet_detail_fp32_64x64.tflite",
        "gladnet_global_fp16.tflite", "gladnet_global_fp32.tflite"]
    for path in paths:
        assert gpu_compat.problems(path) == [], path
    detail = [line for p in paths if "detail_fp32" in p for line in export.describe_tflite(p)]
    for described in ("features float32 [1, 64, 64, 64]", "image float32 [1, 64, 64, 3]",
                      "mask float32 [1, 64, 64, 1]"):
        assert described in detail[0]


def test_only_a_model_whose_tensors_follow_the_window_is_resized_in_place(tmp_path):
    global_model, detail = export.convert_pair(export.load_model(WEIGHTS), "fp32", 64)
    offsets = tflite_model.window_offsets(detail, 64)
    assert len(offsets["height"]) == len(offsets["width"]) >= 9  # inputs, each conv's, the output
    resized = tflite_model.resize_window(detail, offsets, 70, 33)
    from ai_edge_litert.interpreter import Interpreter
    inputs = Interpreter(model_content=resized).get_input_details()
    assert {d["name"].split("_")[-1].split(":")[0]: d["shape"].tolist() for d in inputs} == {
        "image": [1, 70, 33, 3], "features": [1, 70, 33, 64], "mask": [1, 70, 33, 1]}
    with pytest.raises(ValueError, match="not \\[1, 96, 96, C\\]"):  # 96x96 in, 48x48 inside
        tflite_model.window_offsets(global_model, 96)
    node = shutil.which("node")
    if node is None:
        pytest.skip("needs node")
    (tmp_path / "detail.tflite").write_bytes(detail)
    script = ("import {resizeWindow} from './web/tiling.js'; import fs from 'fs';"
              f"const offsets = {json.dumps(offsets)};"
              f"const bytes = fs.readFileSync({json.dumps(str(tmp_path / 'detail.tflite'))});"
              f"fs.writeFileSync({json.dumps(str(tmp_path / 'page.tflite'))},"
              " resizeWindow(bytes, offsets, 70, 33));")
    subprocess.run([node, "--input-type=module", "-e", script], cwd=REPO, check=True)
    assert (tmp_path / "page.tflite").read_bytes() == resized  # the page's bytes are Python's


def test_int8_pair_holds_40_db_on_a_real_photo(photo, whole, tmp_path):
    global_path, detail_path = tflite_engine.pair_files(WEIGHTS, "int8", 128)
    lite = tflite_engine.LiteEnhancer(pair=(global_path, detail_path), window=128)
    image = photo[:256, :384]
    error = np.mean((lite(image) - whole(image)) ** 2)
    assert 10 * np.log10(1 / error) >= 40


def test_cli_engines_write_the_same_pixels_and_video_works(tmp_path, photo):
    imageio.write_image(str(tmp_path / "in" / "odd.png"), photo[:333, :517])
    for name in ("tf", "tflite"):
        assert enhance.main([str(tmp_path / "in"), "--output-dir", str(tmp_path / name), "--engine", name,
                             "--precision", "float32" if name == "tf" else "auto"]) == 0
    tf_pixels = imageio.read_image(str(tmp_path / "tf" / "odd.png"))[0]
    lite_pixels = imageio.read_image(str(tmp_path / "tflite" / "odd.png"))[0]
    assert np.abs(tf_pixels - lite_pixels).max() <= 1 / 255 + 1e-6
    lite = engine.load(WEIGHTS, "tflite")[0]
    stable = StableEnhancer(lite, time_constant=0.0)
    np.testing.assert_allclose(stable(photo[:100, :120], 0.0), lite(photo[:100, :120]), atol=1e-6)


def test_engine_choice_per_cpu_and_refusals(capsys):
    bf16, avx512 = frozenset({"avx2", "avx512f", "avx512_bf16"}), frozenset({"avx2", "avx512f"})
    avx2 = frozenset({"avx2", "fma"})
    assert engine.resolve("auto", "auto", bf16) == ("tf", "bfloat16", None)
    assert engine.resolve("auto", "auto", avx512) == ("tf", "float32", None)
    assert engine.resolve("auto", "auto", avx2) == ("tflite", "float32", None)
    assert engine.resolve("auto", "float32", bf16) == ("tf", "float32", None)
    assert engine.resolve("tf", "auto", avx2) == ("tf", "float32", None)
    assert engine.resolve("auto", "bfloat16", avx2) == ("tf", "bfloat16", cpu.WARNING)
    with pytest.raises(engine.EngineError):
        engine.resolve("tflite", "bfloat16", bf16)
    with pytest.raises(SystemExit) as exit_:
        enhance.main(["x.png", "--output-dir", "out", "--engine", "tflite", "--precision", "bfloat16"])
    assert "float32 only" in str(exit_.value) and "\n" not in str(exit_.value)


def test_beam_workers_load_the_engine_asked_for(photo):
    from gladnet_tf.beam_enhance import GladnetModelHandler
    lite = GladnetModelHandler(WEIGHTS, "float32", engine="tflite").load_model()
    assert isinstance(lite, tflite_engine.LiteEnhancer)
    assert isinstance(GladnetModelHandler(WEIGHTS, "float32", engine="tf").load_model(), Enhancer)
    (_, output, _), = GladnetModelHandler(WEIGHTS, engine="tflite").run_inference([("p", photo[:90, :70], 8)], lite)
    np.testing.assert_allclose(output, Enhancer(WEIGHTS)(photo[:90, :70]), atol=2e-5)
