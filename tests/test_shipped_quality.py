"""The shipped weights on real paired low-light photos: six pairs of ../shared/data/real_pairs_dev
(IR-RGB, evaluation split; its licence is unknown, so the pairs are read from ../shared rather
than bundled). Floors: mean PSNR 22.0 dB and SSIM 0.75 (the shipped weights: 22.48 / 0.770); the
previous round's weights (CPU-trained on `paper`/`paper_hdr`) score 13.95 / 0.605 on these six, too
dark by 0.6x, those shipped before the exposure gap 17.71 / 0.680, those shipped before the
contrast edit was dropped (run Z) 19.13 / 0.742, run Z5's, before the noise range grew,
20.84 / 0.751, run Z8's, before the gap was measured on the input as recorded, 21.13 / 0.751
(0.91x the references' brightness), run O1's, before the targets' local contrast, 21.87 /
0.749, run KN1's, before the GPU steps and the equalised targets, 22.43 / 0.759, and run MX1's,
with a quarter of a shorter equalised run, 22.40 / 0.769, and run MX2's, before the keyed CPU
stage, 22.65 / 0.770."""
import numpy as np
import pytest
from skimage.metrics import structural_similarity

from conftest import SHARED
from gladnet_tf import imageio
from gladnet_tf.inference import Enhancer, shipped_weights

PAIRS = SHARED / "data" / "real_pairs_dev"
NAMES = ("100.png", "150.png", "258.png", "279.png", "300.png", "4.png")


@pytest.mark.skipif(not PAIRS.exists(), reason=f"{PAIRS} not found (../shared beside the clone)")
def test_shipped_weights_on_real_pairs_beat_the_floor():
    enhancer = Enhancer(shipped_weights(), "float32")
    psnrs, ssims, brightness = [], [], []
    for name in NAMES:
        low = imageio.read_image(str(PAIRS / "low" / name))[0]
        high = imageio.read_image(str(PAIRS / "high" / name))[0]
        output = imageio.to_uint(enhancer(low), 8).astype(np.float32) / 255
        psnrs.append(10 * np.log10(1 / np.mean((output - high) ** 2)))
        ssims.append(structural_similarity(output, high, channel_axis=2, data_range=1.0))
        brightness.append(output.mean() / high.mean())
    assert np.mean(psnrs) >= 22.0, np.round(psnrs, 2)
    assert np.mean(ssims) >= 0.75, np.round(ssims, 3)
    assert 0.7 < np.mean(brightness) < 1.5, np.round(brightness, 2)  # not the old 0.6x, not blown out
