"""Exports: TF Serving SavedModel (two signatures, loaded as TF Serving would) and TFLite."""
import base64
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest

from conftest import run_tflite
from gladnet_tf import export
from gladnet_tf.model import build_gladnet

# What TF Serving does with a REST body: decode {"b64": ...} into DT_STRING, call the signature.
SERVING_CLIENT = r"""
import base64, json, sys
import numpy as np
import tensorflow as tf
body = json.loads(open(sys.argv[2]).read())
loaded = tf.saved_model.load(sys.argv[1])
signature = loaded.signatures[body["signature_name"]]
images = tf.constant([base64.b64decode(i["b64"]) for i in body["instances"]])
png = signature(image_bytes=images)["png"].numpy()
dense = loaded.signatures["serving_default"](images=tf.constant(np.load(sys.argv[3])))["output"]
np.savez(sys.argv[4], png=np.array(png, dtype=object), dense=dense.numpy())
"""


@pytest.fixture(scope="module")
def model(random_weights):
    model = build_gladnet()
    model.load_weights(random_weights)
    return model


@pytest.fixture(scope="module")
def saved_model(model, tmp_path_factory):
    return export.export_saved_model(model, str(tmp_path_factory.mktemp("export")))


def test_saved_model_cli_lists_both_signatures(saved_model):
    assert saved_model.endswith(os.path.join("gladnet", "1"))
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")  # TensorFlow's, beside python
    shown = subprocess.run([cli, "show", "--all", "--dir", saved_model],
                           capture_output=True, text=True, check=True).stdout
    assert "signature_def['serving_default']" in shown and "signature_def['enhance_image']" in shown
    assert "inputs['image_bytes']" in shown and "outputs['png']" in shown


def test_branch_signatures_compose_to_the_whole_model(model, saved_model):
    """global_features then enhance_with_features equal serving_default; features of another
    image change the output (what a video client smooths over frames)."""
    import tensorflow as tf
    loaded = tf.saved_model.load(saved_model)
    rng = np.random.default_rng(4)
    images = tf.constant(rng.uniform(size=(2, 37, 53, 3)).astype(np.float32))
    features = loaded.signatures["global_features"](images=images)["features"]
    assert features.shape == (2, 96, 96, 64)
    parts = loaded.signatures["enhance_with_features"](images=images, features=features)["output"]
    whole = loaded.signatures["serving_default"](images=images)["output"]
    np.testing.assert_allclose(parts.numpy(), whole.numpy(), atol=1e-5)
    np.testing.assert_allclose(whole.numpy(), model(images).numpy(), atol=1e-5)
    swapped = loaded.signatures["enhance_with_features"](images=images, features=features[::-1])["output"]
    assert np.abs(swapped.numpy() - whole.numpy()).max() > 1e-3


def test_rest_request_in_fresh_process_matches_keras(model, saved_model, tmp_path):
    rng = np.random.default_rng(0)
    images = rng.uniform(size=(2, 30, 44, 3)).astype(np.float32)
    photo = (rng.uniform(size=(21, 33, 3)) * 255).astype(np.uint8)
    body = {"signature_name": "enhance_image",
            "instances": [{"b64": base64.b64encode(cv2.imencode(".png", photo[..., ::-1])[1].tobytes()).decode()}]}
    (tmp_path / "body.json").write_text(json.dumps(body))
    np.save(tmp_path / "images.npy", images)
    subprocess.run([sys.executable, "-c", SERVING_CLIENT, saved_model, str(tmp_path / "body.json"),
                    str(tmp_path / "images.npy"), str(tmp_path / "out.npz")], check=True,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    out = np.load(tmp_path / "out.npz", allow_pickle=True)
    np.testing.assert_allclose(out["dense"], model(images).numpy(), atol=1e-5)
    served = cv2.imdecode(np.frombuffer(out["png"][0], np.uint8), cv2.IMREAD_COLOR)[..., ::-1]
    expected = np.round(np.clip(model(photo[np.newaxis] / 255.0).numpy()[0], 0, 1) * 255)
    assert np.abs(served.astype(int) - expected).max() <= 1


def test_existing_version_is_not_overwritten(model, saved_model):
    with pytest.raises(FileExistsError, match="exists"):
        export.export_saved_model(model, os.path.dirname(os.path.dirname(saved_model)))


def psnr(a, b):
    return 10 * np.log10(1.0 / np.mean((np.clip(a, 0, 1) - np.clip(b, 0, 1)) ** 2))


@pytest.fixture(scope="module")
def photo_batch():
    photo = cv2.imread(os.path.join(os.path.dirname(__file__), "..", "samples", "kluki1.png"))
    return (cv2.resize(photo, (64, 48), interpolation=cv2.INTER_AREA)[np.newaxis, ..., ::-1] / 255.0).astype(np.float32)


@pytest.mark.parametrize("variant, size", [("fp32", None), ("fp32", (48, 64)), ("fp16", None),
                                           ("int8", None), ("fp16", (48, 64))])
def test_tflite_variants_against_keras(model, photo_batch, variant, size, record_property):
    reference = model(photo_batch).numpy()
    output = run_tflite(export.convert_tflite(model, variant, size), photo_batch)
    assert output.shape == reference.shape
    error, quality = np.abs(output - reference).max(), psnr(output, reference)
    record_property("max_abs_error", float(error))
    record_property("psnr_db", float(quality))
    print(f"{variant} {size}: max |d| {error:.2e}, PSNR {quality:.1f} dB")
    if variant == "fp32":
        assert error <= 1e-4
    else:
        assert quality >= {"fp16": 62, "int8": 30}[variant], quality  # measured 67.4 and 33.3


def test_full_integer_int8_with_representative_images(model, photo_batch):
    samples = os.path.join(os.path.dirname(__file__), "..", "samples")
    content = export.convert_tflite(model, "int8_full", (48, 64), samples)
    output = run_tflite(content, photo_batch)
    quality = psnr(output, model(photo_batch).numpy())
    print(f"int8_full: PSNR {quality:.1f} dB")
    assert output.shape == photo_batch.shape and quality > 27, quality  # measured 30.4; zeros score 5.5


def test_export_prints_each_artifact_and_how_to_serve_it(tmp_path, capsys, random_weights):
    export.main(["--output_dir", str(tmp_path), "--weights", random_weights, "--tflite", "fp32"])
    printed = capsys.readouterr().out
    saved = os.path.join(str(tmp_path), "gladnet", "1")
    assert f"SavedModel {saved} (" in printed and " MB)" in printed
    assert "signature enhance_image: image_bytes string [-1] -> png string [-1]" in printed
    assert "signature serving_default: images float32 [-1, -1, -1, 3] -> output float32" in printed
    tflite = os.path.join(str(tmp_path), "tflite", "gladnet_fp32.tflite")
    assert f"TFLite {tflite} (" in printed and "input float32 [1, -1, -1, 3]" in printed
    assert f"--model_name=gladnet --model_base_path={os.path.join(str(tmp_path), 'gladnet')}" in printed
    assert '"signature_name": "enhance_image"' in printed
