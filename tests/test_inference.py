"""Exact tiled inference and precisions."""
import numpy as np
import pytest

from gladnet_tf import inference


@pytest.fixture(scope="module")
def weights(random_weights):
    return random_weights


@pytest.mark.parametrize("shape, tile", [((101, 77), 32), ((64, 203), 50), ((97, 96), 96),
                                          ((250, 13), 7), ((1, 300), 64)])
def test_tiled_equals_whole_model(weights, shape, tile):
    enhancer = inference.Enhancer(weights)
    image = np.random.default_rng(sum(shape)).uniform(size=shape + (3,)).astype(np.float32)
    whole = enhancer.model(image[np.newaxis]).numpy()[0]
    assert np.count_nonzero(whole) > whole.size // 4
    np.testing.assert_allclose(enhancer.tiled(image, tile), whole, rtol=0, atol=1e-5)


@pytest.mark.parametrize("length, tile, multiple", [(579, 581, 16), (576, 581, 16), (3000, 581, 16),
                                                     (2000, 581, 1), (40, 64, 16), (20, 64, 16), (95, 7, 1),
                                                     (1, 64, 16)])
def test_spans_cover_the_axis_with_halos_at_fast_widths(length, tile, multiple):
    spans = inference.spans(length, tile, multiple)
    assert [s[0] for s in spans] == [0] + [s[1] for s in spans[:-1]] and spans[-1][1] == length
    for start, stop, lo, hi in spans:
        assert 0 <= lo <= max(0, start - inference.HALO)
        assert min(length, stop + inference.HALO) <= hi <= length
        assert stop - start <= tile and hi - lo <= tile + 2 * inference.HALO
        assert (hi - lo) % multiple == 0 or hi - lo == length
    if length % multiple and length >= 2 * multiple:
        assert len(spans) > 1  # no single tile of a slow width
    elif length <= tile:
        assert spans == [(0, length, 0, length)]


@pytest.mark.parametrize("shape, tile", [((37, 75), 64), ((50, 203), 50), ((33, 40), 64)])
def test_tiles_widened_to_fast_widths_equal_the_whole_model(weights, shape, tile):
    enhancer = inference.Enhancer(weights, memory_mb=1 << 20, width_multiple=16)
    image = np.random.default_rng(sum(shape)).uniform(size=shape + (3,)).astype(np.float32)
    whole = enhancer.model(image[np.newaxis]).numpy()[0]
    np.testing.assert_allclose(enhancer.tiled(image, tile), whole, rtol=0, atol=1e-5)
    np.testing.assert_allclose(enhancer(image), np.clip(whole, 0, 1), rtol=0, atol=1e-5)


def test_source_indices_match_tf1_formula():
    for out_size in (1, 5, 96, 97, 401, 6000):
        expected = np.minimum(np.floor(np.arange(out_size) * np.float32(96 / out_size)), 95)
        np.testing.assert_array_equal(inference.source_indices(96, out_size).numpy(), expected)


def test_large_image_is_tiled_automatically(weights):
    enhancer = inference.Enhancer(weights, memory_mb=1)
    assert enhancer.tile == 64
    image = np.random.default_rng(0).uniform(size=(150, 130, 3)).astype(np.float32)
    whole = np.clip(enhancer.model(image[np.newaxis]).numpy()[0], 0, 1)
    np.testing.assert_allclose(enhancer(image), whole, atol=1e-5)


def test_bfloat16_is_close_to_float32(weights):
    image = np.random.default_rng(1).uniform(size=(80, 120, 3)).astype(np.float32)
    fp32 = inference.Enhancer(weights)(image)
    half = inference.Enhancer(weights, "bfloat16")
    assert {layer.compute_dtype for layer in half.model.layers if layer.weights} == {"bfloat16"}
    bf16 = half(image)
    assert np.abs(fp32 - bf16).max() > 1e-4  # bfloat16 really ran, not float32
    psnr = 10 * np.log10(1.0 / np.mean((fp32 - bf16) ** 2))
    assert psnr > 30, psnr
    with pytest.raises(ValueError, match="precision"):
        inference.Enhancer(weights, "float16")
