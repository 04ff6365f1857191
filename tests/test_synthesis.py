"""Pair synthesis: darkening is monotonic in exposure, values stay in range, seeds reproduce."""
import dataclasses

import numpy as np
import pytest

from gladnet_tf import baselines, synthesis


@pytest.fixture
def linear():
    rng = np.random.default_rng(0)
    return synthesis.srgb_to_linear(rng.uniform(size=(24, 32, 3)).astype(np.float32))


def _params(**overrides):
    params = {"exposure": 0.0, "vibrance": 0.0, "contrast": 0.0, "grayscale": False,
              "photons": 0.0, "read_noise": 0.0}
    return {**params, **overrides}


def test_srgb_curve_round_trips_and_matches_known_values():
    x = np.linspace(0, 1, 101, dtype=np.float32)
    np.testing.assert_allclose(synthesis.linear_to_srgb(synthesis.srgb_to_linear(x)), x, atol=1e-6)
    np.testing.assert_allclose(synthesis.srgb_to_linear(np.float32(0.5)), 0.21404, atol=1e-5)


def test_darkening_is_monotonic_in_exposure(linear):
    means = [synthesis.darken(linear, _params(exposure=e)).mean() for e in (0, -1, -2, -3, -5)]
    assert all(a > b for a, b in zip(means, means[1:]))
    one_stop = synthesis.darken(linear, _params(exposure=-1))
    np.testing.assert_allclose(synthesis.srgb_to_linear(one_stop), linear / 2, atol=1e-5)
    assert np.all(synthesis.darken(linear, _params(exposure=-2)) <= synthesis.darken(linear, _params()) + 1e-7)


def test_identity_at_zero_edits(linear):
    np.testing.assert_allclose(synthesis.darken(linear, _params()), synthesis.linear_to_srgb(linear), atol=1e-6)


def test_vibrance_and_contrast_reduce_saturation_and_spread(linear):
    colours = np.array([[[0.5, 0.45, 0.4], [0.9, 0.1, 0.1]]], np.float32)  # saturation 0.2, 0.89
    luma = colours @ synthesis.LUMA
    out = synthesis.apply_vibrance(colours, -100)
    kept = (out[0, :, 0] - out[0, :, 2]) / (colours[0, :, 0] - colours[0, :, 2])
    np.testing.assert_allclose(kept, [0.2, 0.8 / 0.9], rtol=1e-5)  # dull colours lose more
    np.testing.assert_allclose(out @ synthesis.LUMA, luma, atol=1e-6)  # luma unchanged
    base = synthesis.linear_to_srgb(linear)
    ramp = np.linspace(0, 1, 1001, dtype=np.float32)
    for contrast in (-100, -50):
        flat = synthesis.apply_contrast(ramp, contrast)
        assert flat[0] == 0 and abs(flat[-1] - 1) < 1e-6  # black stays black: no haze floor
        assert np.all(np.diff(flat) > 0)  # monotonic
        slope = np.gradient(flat, ramp)
        np.testing.assert_allclose(slope[500], 1 + contrast / 200, atol=1e-3)  # mid-tones flatter
        assert np.all(flat[1:500] > ramp[1:500]) and np.all(flat[501:-1] < ramp[501:-1])
    np.testing.assert_array_equal(synthesis.apply_contrast(base, 0), base)


def test_pairs_are_deterministic_in_range_and_float32(linear):
    ranges = synthesis.Ranges(noise=True)
    low1, high1, params1 = synthesis.make_pair(linear, 123, ranges)
    low2, high2, params2 = synthesis.make_pair(linear, 123, ranges)
    low3, _, params3 = synthesis.make_pair(linear, 124, ranges)
    np.testing.assert_array_equal(low1, low2)
    np.testing.assert_array_equal(high1, high2)
    assert params1 == params2 and params1 != params3 and not np.array_equal(low1, low3)
    for image in (low1, high1, low3):
        assert image.dtype == np.float32 and image.shape == linear.shape
        assert image.min() >= 0 and image.max() <= 1
    assert -5 <= params1["exposure"] <= 0 and -100 <= params1["vibrance"] <= 0
    assert -100 <= params1["contrast"] <= 0 and params1["photons"] > 0


def test_noise_is_off_by_default_and_seeded_when_on(linear):
    assert synthesis.sample_params(np.random.default_rng(0))["photons"] == 0.0
    noisy = [synthesis.darken(linear, _params(photons=200.0, read_noise=0.01),
                              np.random.default_rng(s)) for s in (1, 1, 2)]
    np.testing.assert_array_equal(noisy[0], noisy[1])
    assert not np.array_equal(noisy[0], noisy[2])
    clean = synthesis.darken(linear, _params())
    assert 0.005 < np.abs(noisy[0] - clean).mean() < 0.2


def test_grayscale_and_constant_pairs(linear):
    grey = synthesis.to_grayscale(synthesis.linear_to_srgb(linear))
    assert np.all(grey[..., 0] == grey[..., 1]) and np.all(grey[..., 1] == grey[..., 2])
    seed = next(s for s in range(1000) if synthesis.sample_params(np.random.default_rng(s))["grayscale"])
    low, high, _ = synthesis.make_pair(linear, seed)
    assert np.all(low[..., 0] == low[..., 2]) and np.all(high[..., 0] == high[..., 2])
    black_low, black_high = synthesis.constant_pair(0.0, (4, 6, 3))
    white_low, white_high = synthesis.constant_pair(1.0, (4, 6, 3))
    assert black_low.max() == black_high.max() == 0 and white_low.min() == white_high.min() == 1


def test_extensions_are_off_by_default_and_leave_paper_pairs_unchanged(linear):
    """The paper's pairs are what the uniform cut gives: the optional extensions neither draw
    from the seed's random stream nor change the formula when off."""
    low, _, params = synthesis.make_pair(linear, 7)
    assert params["exposure_lift"] == 0.0 and params["headroom"] == 0.0
    rng = np.random.default_rng(7)
    drawn = [rng.uniform(-5, 0), rng.uniform(-100, 0), rng.uniform(-100, 0), rng.uniform() < 0.1]
    assert [params[k] for k in ("exposure", "vibrance", "contrast", "grayscale")] == drawn
    uniform = synthesis.linear_to_srgb(np.clip(linear * np.float32(2.0 ** params["exposure"]), 0, 1))
    uniform = synthesis.apply_contrast(synthesis.apply_vibrance(uniform, params["vibrance"]),
                                       params["contrast"])
    np.testing.assert_array_equal(low, np.clip(uniform, 0, 1))


def test_smooth_field_is_in_range_and_smooth():
    field = synthesis.smooth_field(np.random.default_rng(3), 120, 160)
    assert field.shape == (120, 160) and field.min() >= 0 and field.max() <= 1
    assert field.max() - field.min() > 0.3  # it varies ...
    assert np.abs(np.diff(field, axis=0)).max() < 3 / 119 and np.abs(np.diff(field, axis=1)).max() < 3 / 159
    again = synthesis.smooth_field(np.random.default_rng(3), 120, 160)
    np.testing.assert_array_equal(field, again)


def test_local_exposure_darkens_by_a_varying_amount_never_brightens(linear):
    params = _params(exposure=-4.0, exposure_lift=5.0)
    low = synthesis.darken(linear, params, np.random.default_rng(5))
    field = synthesis.smooth_field(np.random.default_rng(5), *linear.shape[:2])
    expected_ev = np.minimum(0.0, -4.0 + 5.0 * field)
    ratio = synthesis.srgb_to_linear(low) / np.maximum(linear, 1e-6)
    lit = linear > 0.01
    expected_ev = np.broadcast_to(expected_ev[..., None], linear.shape)
    np.testing.assert_allclose(np.log2(ratio)[lit], expected_ev[lit], atol=1e-3)
    assert np.all(low <= synthesis.linear_to_srgb(linear) + 1e-6)
    ranges = synthesis.Ranges(local_exposure=5.0)
    lifts = [synthesis.sample_params(np.random.default_rng(s), ranges)["exposure_lift"] for s in range(50)]
    assert 0 <= min(lifts) and max(lifts) <= 5 and np.std(lifts) > 1


def test_clipped_highlights_stay_bright_in_the_dark_input():
    ramp = np.linspace(0, 1, 201, dtype=np.float32)
    linear = np.repeat(ramp[np.newaxis, :, np.newaxis], 3, axis=-1)
    expanded = synthesis.expand_highlights(linear, 5.0)[0, :, 0]
    assert np.all(np.diff(expanded) > 0)  # monotonic
    np.testing.assert_array_equal(expanded[ramp <= 0.8], ramp[ramp <= 0.8])  # mid-tones untouched
    np.testing.assert_allclose(expanded[-1], 32.0, rtol=1e-5)  # white: 2**5 times brighter
    low = synthesis.darken(linear, _params(exposure=-4.0, headroom=5.0))[0, :, 0]
    plain = synthesis.darken(linear, _params(exposure=-4.0))[0, :, 0]
    assert low[-1] > 0.999 and plain[-1] < 0.3  # white stays white, instead of turning grey
    np.testing.assert_array_equal(low[ramp <= 0.8], plain[ramp <= 0.8])
    assert synthesis.sample_params(np.random.default_rng(0))["headroom"] == 0.0
    headrooms = [synthesis.sample_params(np.random.default_rng(s), synthesis.Ranges(highlight_headroom=5.0))
                 ["headroom"] for s in range(50)]
    assert 0 <= min(headrooms) and max(headrooms) <= 5 and np.std(headrooms) > 1


def test_reexpose_scales_shadows_by_the_gain_and_keeps_white():
    ramp = np.linspace(0, 1, 101, dtype=np.float32)
    out = synthesis.reexpose(ramp, 0.25)
    assert np.all(np.diff(out) > 0) and out[0] == 0 and out[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(out[1:21] / ramp[1:21], 0.25, rtol=0.03)  # x <= 0.2: the gain
    np.testing.assert_array_equal(synthesis.reexpose(ramp, 1.0), ramp)


def _srgb_key(image):
    return synthesis.log_average_luminance(synthesis.srgb_to_linear(image))


def test_exposure_gap_caps_the_target_key_at_the_input_key_times_the_gap(linear):
    ranges = synthesis.Ranges(dark_key=(0.0005, 0.05), exposure_gap=(4.0, 7.0), grayscale_fraction=0.0)
    capped = 0
    for seed in range(40):
        low, high, params = synthesis.make_pair(linear, seed, ranges)
        assert 4.0 <= params["exposure_gap"] <= 7.0
        photo_key = synthesis.log_average_luminance(linear)
        wanted = _srgb_key(low) * 2.0 ** params["exposure_gap"]
        assert params["target_gain"] == pytest.approx(min(1.0, wanted / photo_key))
        if params["target_gain"] < 1.0:  # darker than the photo, at the cap (+ the shoulder)
            capped += 1
            key = _srgb_key(high)
            assert wanted * 0.99 < key < photo_key
        else:
            np.testing.assert_array_equal(high, synthesis.linear_to_srgb(linear))
        # the input does not depend on the gap: same seed without it, same dark input
        low_off = synthesis.make_pair(linear, seed, dataclasses.replace(ranges, exposure_gap=()))[0]
        np.testing.assert_array_equal(low, low_off)
    assert 5 <= capped <= 35


def test_exposure_gap_is_measured_on_the_input_as_recorded():
    """A black level and sensor noise raise the input's key above the exposure's; the target
    keeps the drawn gap to the input as recorded (as real pairs' gaps are measured), so a
    floor makes the target brighter, not the gap smaller."""
    rng = np.random.default_rng(5)
    photo = synthesis.srgb_to_linear(rng.uniform(0.1, 0.6, (64, 64, 3)).astype(np.float32))
    ranges = synthesis.Ranges(dark_key=(0.001, 0.001), exposure_gap=(5.0, 5.0), black_level=0.0012,
                              noise=True, photons=(2000.0, 2000.0), read_noise=(0.0003, 0.0003),
                              grayscale_fraction=0.0)
    gaps, floors = [], 0
    for seed in range(12):
        low, high, params = synthesis.make_pair(photo, seed, ranges)
        floors += max(params["black_level"]) > 0
        gaps.append(np.log2(_srgb_key(high) / _srgb_key(low)))
    assert floors >= 3
    assert _srgb_key(low) > 0.001 * 1.05  # the recorded input is brighter than its exposure
    np.testing.assert_allclose(gaps, 5.0, atol=0.03)  # no highlights: the shoulder adds ~nothing


def test_brighten_scales_shadows_by_the_gain_and_clips_nothing():
    ramp = np.linspace(0, 1, 101, dtype=np.float32)
    out = synthesis.brighten(ramp, 2.0)
    assert np.all(np.diff(out) > 0) and out[0] == 0 and out[-1] == pytest.approx(1.0)
    np.testing.assert_allclose(out[1:4] / ramp[1:4], 2.0, rtol=0.03)  # shadows: the gain
    assert np.all(out[1:-1] > ramp[1:-1]) and np.all(out <= 1.0)
    np.testing.assert_allclose(synthesis.brighten(ramp, 1.0), ramp, atol=1e-7)


def test_target_ceiling_lets_targets_outshine_their_photo_by_at_most_its_ev(linear):
    ranges = synthesis.Ranges(dark_key=(0.0005, 0.15), exposure_gap=(4.0, 7.0), target_ceiling=1.0,
                              grayscale_fraction=0.0)
    photo_key = synthesis.log_average_luminance(linear)
    brighter = 0
    for seed in range(40):
        low, high, params = synthesis.make_pair(linear, seed, ranges)
        wanted = _srgb_key(low) * 2.0 ** params["exposure_gap"]
        assert params["target_gain"] == pytest.approx(min(2.0, wanted / photo_key))
        key = _srgb_key(high)
        if params["target_gain"] > 1.0:
            brighter += 1
            assert photo_key < key < 2.0 * photo_key
        # below the ceiling, the same target as without it
        off = synthesis.make_pair(linear, seed, dataclasses.replace(ranges, target_ceiling=0.0))
        np.testing.assert_array_equal(low, off[0])
        if params["target_gain"] <= 1.0:
            np.testing.assert_array_equal(high, off[1])
    assert 5 <= brighter <= 35
    assert synthesis.RECIPES["lowlight"].target_ceiling == 1.0


def test_white_balance_makes_red_and_blue_noisier_than_green():
    flat = np.full((200, 200, 3), 0.01, np.float32)
    params = _params(photons=2000.0, read_noise=0.0, white_balance=(2.5, 1.0, 1.6))
    low = synthesis.srgb_to_linear(synthesis.darken(flat, params, np.random.default_rng(0)))
    std = low.reshape(-1, 3).std(axis=0)
    # shot noise: variance x gain after the gain
    np.testing.assert_allclose(std / std[1], [np.sqrt(2.5), 1.0, np.sqrt(1.6)], rtol=0.1)
    np.testing.assert_allclose(low.reshape(-1, 3).mean(axis=0), 0.01, rtol=0.05)  # unbiased
    gains = [synthesis.sample_params(np.random.default_rng(s), synthesis.RECIPES["lowlight"])["white_balance"]
             for s in range(30)]
    assert all(g[1] == 1.0 and 1.3 <= g[0] <= 2.6 and 1.3 <= g[2] <= 2.6 for g in gains)


def test_sensor_noise_for_evaluation_is_seeded_unbiased_and_grows_with_fewer_photons():
    grey = np.full((200, 200, 3), 30 / 255, np.float32)
    noisy = synthesis.with_sensor_noise(grey, 5000.0, seed=3)
    np.testing.assert_array_equal(noisy, synthesis.with_sensor_noise(grey, 5000.0, seed=3))
    assert not np.array_equal(noisy, synthesis.with_sensor_noise(grey, 5000.0, seed=4))
    np.testing.assert_array_equal(np.round(noisy * 255), noisy * 255)  # 8-bit levels
    np.testing.assert_allclose(noisy.mean(axis=(0, 1)), 30 / 255, atol=0.5 / 255)
    std = noisy.reshape(-1, 3).std(axis=0) * 255
    assert 1.0 < std[1] < std[0] and std[1] < std[2]  # red and blue gains 2.0 and 1.8
    assert synthesis.with_sensor_noise(grey, 1250.0, seed=3).std() * 255 > 1.6 * std.mean()


def test_lowlight_noise_spans_clean_to_high_iso_captures():
    # a flat dark patch at 0.005 linear (about 18 levels of 255): the weakest draws stay under
    # the noise of real_pairs_dev's inputs (0.4-0.7 levels), the strongest reach 2.5 levels
    flat = np.full((100, 100, 3), 0.005, np.float32)
    ranges = dataclasses.replace(synthesis.RECIPES["lowlight"], black_level=0.0)
    stds = []
    for seed in range(200):
        params = synthesis.sample_params(np.random.default_rng(seed), ranges)
        params.update(exposure=0.0, headroom=0.0, grayscale=False)
        low = synthesis.darken(flat, params, np.random.default_rng(seed))
        stds.append((low @ synthesis.LUMA).std() * 255)
    assert min(stds) < 0.5 and max(stds) > 2.5


def test_lowlight_keeps_its_strongest_noise_for_the_darkest_inputs(linear):
    # quiet_keys: pairs of dark key up to 0.004 are drawn as without it; from 0.02 on, no draw
    # is noisier than 16000 photons full scale, and the quietest stays the range's 256000
    ranges = synthesis.RECIPES["lowlight"]
    one_range = dataclasses.replace(ranges, quiet_keys=(), quiet_photons=0.0)
    photo = np.repeat(np.repeat(linear, 4, axis=0), 4, axis=1)
    dark, bright = 0, 0
    for seed in range(60):
        low, high, params = synthesis.make_pair(photo, seed, ranges)
        low1, high1, params1 = synthesis.make_pair(photo, seed, one_range)
        assert params["dark_key"] == params1["dark_key"]
        if params["dark_key"] <= 0.004:
            dark += 1
            np.testing.assert_array_equal(low, low1)
            np.testing.assert_array_equal(high, high1)
        elif params["dark_key"] >= 0.02:
            bright += 1
            assert 16000.0 <= params["photons"] <= 256000.0
            assert params["photons"] >= params1["photons"]
    assert dark > 10 and bright > 10
    middle = ((0.004 * 0.02) ** 0.5, (1500.0 * 16000.0) ** 0.5)  # log-linear between the ends
    for key, floor in ((0.004, 1500.0), (0.02, 16000.0), (0.1, 16000.0), middle):
        for photons, expected in ((1500.0, floor), (256000.0, 256000.0)):
            moved = synthesis.photons_for_key(photons, key, ranges)
            assert moved == pytest.approx(expected, rel=1e-6)


def test_lowlight_reaches_near_normal_exposures_without_vibrance_or_contrast():
    # a photo of key 0.1: dark keys above it (log-uniform 0.0005-0.15) leave it at its own
    # exposure, ln(1.5) / ln(300) = 7 % of draws; all others darken it, by up to 7.6 EV; no
    # vibrance or contrast edit, so the exposure alone keeps colour ratios and tones
    # (test_darkening_is_monotonic_...)
    photo = np.full((8, 8, 3), 0.1, np.float32)
    ranges = synthesis.RECIPES["lowlight"]
    exposures = []
    for seed in range(600):
        _, _, params = synthesis.make_pair(photo, seed, ranges)
        assert params["vibrance"] == 0.0 and params["contrast"] == 0.0
        assert 0.0005 <= params["dark_key"] <= 0.15
        exposures.append(params["exposure"])
    exposures = np.array(exposures)
    assert 0.03 < np.mean(exposures == 0.0) < 0.12
    assert exposures.min() < -7.0 and np.all(exposures <= 0.0)


def test_clarity_raises_the_band_of_lightness_and_keeps_flat_areas_noise_and_hues():
    # 600 px wide: the band is 2-20 px; stripes of 16 px period gain about `amount` of their
    # contrast, a 1 px checkerboard (pixel noise) and a flat area almost none, hues stay
    rows, cols = np.mgrid[0:400, 0:600]
    stripes = 0.45 + 0.1 * np.sign(np.sin(2 * np.pi * cols / 16))
    checker = 0.45 + 0.1 * ((rows + cols) % 2 * 2 - 1)
    tint = np.array([1.0, 0.8, 0.6], np.float32)
    for image, gain in ((stripes, (1.15, 1.35)), (checker, (0.98, 1.05)),
                        (np.full_like(stripes, 0.45), None)):
        srgb = (image[..., None] * tint).astype(np.float32)
        out = synthesis.add_clarity(srgb, 0.3)
        assert out.shape == srgb.shape and out.dtype == np.float32
        inner = (slice(40, -40), slice(60, -60))
        if gain is None:
            np.testing.assert_allclose(out, srgb, atol=2e-3)
            continue
        ratio = out[inner][..., 1].std() / srgb[inner][..., 1].std()
        assert gain[0] < ratio < gain[1], ratio
        hue_in = srgb[inner][..., 0] / srgb[inner][..., 2]
        hue_out = out[inner][..., 0] / out[inner][..., 2]
        assert np.abs(np.median(hue_out / hue_in) - 1) < 0.05


def test_target_clarity_changes_the_targets_only(linear):
    photo = np.repeat(np.repeat(linear, 8, axis=0), 8, axis=1)  # 192 x 256, some structure
    plain = dataclasses.replace(synthesis.LOWLIGHT, target_clarity=0.0)
    for seed in range(3):
        low, high, params = synthesis.make_pair(photo, seed, synthesis.LOWLIGHT)
        low0, high0, params0 = synthesis.make_pair(photo, seed, plain)
        np.testing.assert_array_equal(low, low0)
        assert params == params0
        assert not np.array_equal(high, high0) and np.abs(high - high0).mean() < 0.05


def test_equalised_recipe_keeps_lowlights_inputs_and_equalises_its_targets_as_the_baseline(linear):
    photo = np.repeat(np.repeat(linear, 8, axis=0), 8, axis=1)  # 192 x 256: tiles of 75 px -> 3
    plain = dataclasses.replace(synthesis.LOWLIGHT, target_clarity=0.0)
    equalised = synthesis.RECIPES["lowlight_equalised"]
    assert [synthesis.clahe_tiles(s) for s in ((400, 600), (384, 384), photo.shape)] == [8, 5, 3]
    colour = 0
    for seed in range(6):
        low, high, params = synthesis.make_pair(photo, seed, equalised)
        low0, high0, params0 = synthesis.make_pair(photo, seed, plain)
        np.testing.assert_array_equal(low, low0)
        assert params == params0
        if params["grayscale"]:  # equalised in colour, then made grey as the paper's extra pairs
            assert np.all(high[..., :1] == high)
            continue
        colour += 1
        np.testing.assert_array_equal(high, baselines.clahe(high0, 1.5, tiles=3))
        assert high.std() > high0.std()  # equalised: its tones spread
    assert colour >= 2


def keyed_targets(linear, recipe, seeds=40):
    """(dark key, the recipe's target, lowlight's, lowlight_equalised's) per seed, after checking
    that the recipe's inputs are lowlight's bit for bit."""
    photo = np.repeat(np.repeat(linear, 8, axis=0), 8, axis=1)
    for seed in range(seeds):
        low, high, params = synthesis.make_pair(photo, seed, synthesis.RECIPES[recipe])
        low0, high0, params0 = synthesis.make_pair(photo, seed, synthesis.LOWLIGHT)
        _, high1, _ = synthesis.make_pair(photo, seed, synthesis.RECIPES["lowlight_equalised"])
        np.testing.assert_array_equal(low, low0)
        assert params == params0
        yield params["dark_key"], high, high0, high1


def test_keyed_recipe_equalises_only_the_targets_of_moderately_dark_inputs(linear):
    seen = set()
    for key, high, high0, high1 in keyed_targets(linear, "lowlight_keyed"):
        if key <= 0.004:
            np.testing.assert_array_equal(high, high0)
            seen.add("clarity")
        elif key >= 0.02:
            np.testing.assert_array_equal(high, high1)
            seen.add("equalised")
        else:
            share = np.log(key / 0.004) / np.log(0.02 / 0.004)
            np.testing.assert_allclose(high, (1 - share) * high0 + share * high1, atol=1e-6)
            seen.add("between")
    assert seen == {"clarity", "equalised", "between"}


def test_keyed_floor_keeps_a_quarter_of_the_equalisation_for_the_darkest_inputs(linear):
    floor = synthesis.RECIPES["lowlight_keyed_floor"]
    keyed = synthesis.RECIPES["lowlight_keyed"]
    assert synthesis.equalised_share(0.001, floor) == 0.25
    assert synthesis.equalised_share(0.03, floor) == 1.0
    assert synthesis.equalised_share(0.001, keyed) < synthesis.equalised_share(0.001, floor)
    darkest = 0
    for key, high, high0, high1 in keyed_targets(linear, "lowlight_keyed_floor"):
        if key <= 0.004:
            np.testing.assert_allclose(high, 0.75 * high0 + 0.25 * high1, atol=1e-6)
            darkest += 1
        elif key >= 0.02:
            np.testing.assert_array_equal(high, high1)
    assert darkest


def test_lowlight_dark_gives_every_pair_a_floor_and_less_noise_than_lowlight():
    """The shipped weights' last stage trained on `lowlight_dark`: a black level in every pair
    (lowlight: about half) and the clean end of the noise (more photons, less read noise)."""
    dark, base = synthesis.RECIPES["lowlight_dark"], synthesis.RECIPES["lowlight"]
    draws = [synthesis.sample_params(np.random.default_rng(s), dark) for s in range(40)]
    assert all(max(p["black_level"]) > 0 for p in draws)
    assert sum(max(synthesis.sample_params(np.random.default_rng(s), base)["black_level"]) > 0
               for s in range(40)) < 35
    assert min(p["photons"] for p in draws) >= 64000.0 > base.photons[0]
    assert max(p["read_noise"] for p in draws) <= 0.00006 < base.read_noise[1]
    assert all(0.0005 <= p["dark_key"] <= 0.004 for p in draws)
