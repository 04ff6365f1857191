"""Dark/bright training pairs from linear RGB, after the paper's Lightroom edits.

The bright target is the photo as it is, encoded to sRGB, or with an exposure gap (an extension,
off by default) re-exposed to `2**G` times its dark input's key, G in `exposure_gap` EV, the key
measured on the input as recorded (black level and noise included, as real pairs' gaps are
measured; from the exposure alone, those lifted the input's key and left dark inputs' targets
0.5 EV short of the drawn gap, measured in docs/experiment_log.md), but never brighter than the
photo: `min(1, key * 2**G / photo's key)` as the gain of `reexpose` (a highlight shoulder keeps
white white); with a `target_ceiling` of C EV, up to `2**C` times brighter than the photo
(`brighten`, a shoulder that clips nothing), since a real reference, a longer exposure at a
fixed ratio, is not bound to the exposure a photographer chose (measured: white walls then stay
light instead of a photo's typical grey). Real paired captures are a fixed exposure ratio
apart, so their darker inputs have darker references (on real_pairs_dev the references' key
grows with the input's); drawn independently of the input (the dark key alone), the target's
brightness is the photos' typical one whatever the input, and a trained model gives every photo
the same brightness (measured: output key independent of the input key, 1.26x the references'
mean).
The dark input applies, in this order:

1. exposure E in [-5, 0] EV on the *linear* signal: `linear * 2**E` (what a shorter exposure or a
   lower gain does to a sensor), highlights above 1 clipped as a camera clips them.
   Three optional extensions (off by default, i.e. the paper):
   - dark key: E is chosen so that the dark input's log-average luminance is log-uniform in
     `dark_key`, E = min(0, log2(key / photo's log-average)), instead of uniform in EV. With the
     paper's draw, an input as dark as a real low-light capture (log-average ~0.002) can only come
     from the darkest photos at E near -5, so trained models aim dark inputs at dark targets
     (measured: outputs 0.6x the references' brightness on real pairs). Drawn this way, how dark
     the input is says nothing about how bright its target is, and the L1 optimum is the
     photos' own typical brightness whatever the input;
   - highlight headroom H in [0, highlight_headroom] EV: white in a photo is often a lamp, window
     or sky whose light went past the sensor's range, and a shorter exposure of such a scene
     leaves it white. Pixels whose brightest channel is above 0.8 (linear) are multiplied by up
     to `2**H`, ramping in from 0.8 to 1, before the cut. With the uniform cut alone a white area
     never survives into a dark input, and trained models take any light source as proof that
     a photo is well exposed (measured in docs/experiment_log.md);
   - local exposure: `min(0, E + L * field)`, L in [0, local_exposure] EV and `field` a bilinear
     upsampling of a 4x4 grid of uniform [0, 1] values, for unevenly lit scenes;
2. optional black level (off by default, an extension): in half of the pairs, a per-channel
   offset B * tint, B in [0, black_level], tint 2**U[-1.5, 1.5] per channel, added to the dark
   linear signal (the other half keeps a true black, as cameras with exact black levels give).
   Some cameras' dark photos rarely reach black: real_pairs_dev's darkest 0.5 % sit at 1-6
   levels of 255, tinted (imprecise black-level subtraction, flare; red often 3-5x blue), a
   third of their median level, while half of real_lowlight's SICE frames reach it (below one
   level in green); a model never shown a floor brightens it into a grey-magenta haze
   (measured in docs/experiment_log.md). The target keeps its blacks;
3. optional sensor noise (off by default, an extension): Poisson-Gaussian on the linear signal,
   `poisson(x * photons) / photons + normal(0, read_noise)`, optionally on the camera's raw
   signal before white balance (`white_balance`: red and blue gains, green 1), so red and blue
   are noisier than green, as in real captures. With `quiet_keys` (low, high), the photon range's
   low end rises log-linearly from its own at the low dark key to `quiet_photons` at the high
   one and above (each draw keeps its place in the range): the dimmest captures are the high-ISO
   ones, while moderately dark ones (real_lowlight's SICE frames, short exposures at a low ISO)
   are as clean as the range first calibrated on them (measured in docs/experiment_log.md: NIQE on
   such photos a little better, nothing lost on dark or noisier inputs);
4. encoding to sRGB (the camera's tone curve);
5. vibrance V in [-100, 0]: each pixel moves towards its luma by `-V/100 * (1 - s)`, where `s` is
   its saturation (max - min) / max. Like Lightroom's vibrance, dull colours lose more saturation
   than vivid ones; V = -100 makes grey pixels of the dullest colours;
6. contrast C in [-100, 0]: an inverse S-curve with fixed end points, as Lightroom's contrast:
   `y = x + a * sin(2 pi x) / (2 pi)` with `a = -C/200` in [0, 0.5]. It is monotonic, keeps
   black at 0 and white at 1, lifts shadows by at most 1.5x and flattens mid-tones (slope 1 - a).
   (A first version pulled values towards the image mean instead; that lifted every black level
   into a haze floor, and the network learned to crush real shadows to black.)

An optional target clarity (off by default, an extension) raises the target's local contrast:
L* plus `target_clarity` times a band of itself (its Gaussian blur at 1/300 of the long side
minus its blur at 1/30: structures of about 2-20 px at 600x400, not pixel noise). Real short
exposures can hold less of their long exposures' local contrast than a shorter exposure of the
same photo does (real_pairs_dev's, the one camera measured, about 0.7 of it at a linear exposure
ratio, from the camera's processing, not a floor: docs/experiment_log.md), and a model trained on plain
targets renders such captures flatter than their references. An optional target equalisation
(`target_clahe`, off by default) applies the CLAHE baseline to the target's L* instead, its
tiles 75 px as the baseline's 8x8 at 600x400: the contrast NIQE rewards (docs/experiment_log.md, step 30);
with `clahe_keys` (low, high), only from the high dark key on, ramping in log-linearly from the
low one (below it the target is the clarity one, or `clahe_floor` of the way to the equalised one).

Also the paper's extra pairs: grayscale pairs (both sides grey) and constant all-black and
all-white pairs (the network should leave those alone). All functions are pure NumPy (OpenCV's
colour conversion and blur for the clarity, and its CLAHE for the equalisation), and a pair is a
deterministic function of its seed.
"""
import dataclasses

import cv2
import numpy as np

from gladnet_tf import baselines

LUMA = np.array([0.299, 0.587, 0.114], np.float32)  # BT.601, on sRGB values


@dataclasses.dataclass(frozen=True)
class Ranges:
    """Sampling ranges of the edits (the paper's by default) and the optional noise."""
    exposure: tuple = (-5.0, 0.0)
    vibrance: tuple = (-100.0, 0.0)
    contrast: tuple = (-100.0, 0.0)
    grayscale_fraction: float = 0.1
    local_exposure: float = 0.0  # EV; 0: one exposure for the whole image (the paper)
    highlight_headroom: float = 0.0  # EV; 0: highlights darken like everything else (the paper)
    dark_key: tuple = ()  # (low, high) log-average luminance of the dark input; (): the paper's E
    black_level: float = 0.0  # largest linear offset added to the dark input; 0: none (the paper)
    black_share: float = 0.5  # share of the pairs that get a black level (with black_level)
    exposure_gap: tuple = ()  # (low, high) EV from the dark input's key to the target's; (): none
    target_ceiling: float = 0.0  # EV by which a target may outshine its photo (with the gap)
    white_balance: tuple = ()  # (low, high) red and blue gains applied after the noise; (): none
    noise: bool = False
    photons: tuple = (100.0, 4000.0)  # full-scale photon count: lower is noisier
    read_noise: tuple = (0.0005, 0.005)
    quiet_keys: tuple = ()  # (low, high) dark keys; (): one photon range for every key
    quiet_photons: float = 0.0  # the photon range's low end from quiet_keys[1] on
    target_clahe: float = 0.0  # CLAHE clip limit on the target's L* (tiles of 75 px); 0: none
    clahe_keys: tuple = ()  # (low, high) dark keys over which the equalisation ramps in; (): all
    clahe_floor: float = 0.0  # the equalised share up to clahe_keys[0]
    target_clarity: float = 0.0  # amount of the target's 2-20 px band of L* added to it; 0: none


# The named recipes: the paper's, its extensions (datasets/gladnet_raw configs of the same names)
# and `lowlight`, the recipe of the shipped weights: inputs from as dark as real low-light
# captures to near a normal exposure (log-average luminance 0.0005-0.15, i.e. about 8 EV under a
# photo's own exposure to none: the model also learns to leave a photo that is not dark nearly
# alone), targets no more than 4-7 EV brighter than their input (the exposure ratio of real
# paired captures: IR-RGB's real_pairs_dev 4.5-6.1 EV between the keys, SID's x100-x300
# 6.6-8.2), clipped light sources kept bright, a black level up to 0.0012 (linear; with a tint of
# 1/3 to 3 per channel, up to 6 levels of 255, as the darkest 0.5 % of real_lowlight photos
# reach), sensor noise from as weak as real dark photos show (real_lowlight, eval_low: 0.1-1.6
# levels of 255 by Immerkaer's estimator at 600x400; real_pairs_dev 0.4-0.7) to 3.3x the
# standard deviation of the range first calibrated on them (1500 instead of 16000 photons full
# scale: cameras noisier than these, as high-ISO indoor captures are; the paper_noise range is
# noisier still, 5-7 levels; for inputs as dark as those only: the low end rises back to 16000
# from dark key 0.004 to 0.02) under red and blue white-balance gains of 1.3-2.6, and no vibrance
# edit: a shorter exposure keeps colour ratios, real dark captures are not desaturated (on
# real_pairs_dev they are more saturated than their references, from casts), and a model trained
# to undo the paper's desaturation over-saturates (measured in docs/experiment_log.md). No contrast edit
# either: a real dark capture is the camera's own tone curve on less light, while the paper's
# inverse S-curve lifts an input's shadows by up to 1.5x, so a model trained to undo it divides
# the shadows of real captures, which never had it, by as much (outputs darker than the
# references; measured in docs/experiment_log.md). Targets may be up to 1 EV brighter than their photo
# where the exposure ratio reaches that far (bright scenes: a white wall stays white rather than a
# photo's typical grey). Targets carry 0.3 of their 2-20 px band of L* more (`target_clarity`):
# real_pairs_dev's dark captures hold less local contrast than their references (module docstring).
LOWLIGHT = Ranges(dark_key=(0.0005, 0.15), exposure_gap=(4.0, 7.0), target_ceiling=1.0,
                  highlight_headroom=5.0, black_level=0.0012, noise=True,
                  photons=(1500.0, 256000.0), read_noise=(0.00005, 0.0003),
                  quiet_keys=(0.004, 0.02), quiet_photons=16000.0, white_balance=(1.3, 2.6),
                  vibrance=(0.0, 0.0), contrast=(0.0, 0.0), target_clarity=0.3)
LOWLIGHT_KEYED = dataclasses.replace(LOWLIGHT, target_clahe=1.5, clahe_keys=(0.004, 0.02))
RECIPES = {
    "paper": Ranges(),
    "paper_noise": Ranges(noise=True),
    "paper_local": Ranges(local_exposure=5.0),
    "paper_hdr": Ranges(highlight_headroom=5.0),
    "lowlight": LOWLIGHT,
    # lowlight's inputs bit for bit, equalised targets: one of the two runs averaged for the
    # shipped weights (gladnet_tf/weights/README.md, stages 13 and 14)
    "lowlight_equalised": dataclasses.replace(LOWLIGHT, target_clarity=0.0, target_clahe=1.5),
    # lowlight's inputs bit for bit; targets lowlight's up to dark key 0.004 (inputs as dark as
    # real paired captures, real_pairs_dev's 0.0012-0.0076, whose long-exposure references the
    # equalisation moves away from) and lowlight_equalised's from 0.02 (moderately dark photos
    # without a reference, where NIQE rewards it), the keys where `quiet_keys` lifts the noise
    # floor; docs/experiment_log.md, steps 32-34 (CPU runs from the shipped weights and TG2; not shipped)
    "lowlight_keyed": LOWLIGHT_KEYED,
    # lowlight_keyed with a quarter of the equalisation kept for the darkest inputs: the stage
    # mixed into the shipped weights (docs/experiment_log.md, step 39; gladnet_tf/weights/README.md)
    "lowlight_keyed_floor": dataclasses.replace(LOWLIGHT_KEYED, clahe_floor=0.25),
    # lowlight's darkest captures, cleaner than its quietest and with a black-level floor in
    # every pair: dark keys 0.0005-0.004, 64000-1000000 photons, a fifth of the read noise, as a
    # clean sensor's dark exposures (issue 50's camera 1 looks so): half of the last training
    # stage of the shipped weights, beside LOL's pairs (docs/experiment_log.md, steps 45 and 49)
    "lowlight_dark": dataclasses.replace(LOWLIGHT, dark_key=(0.0005, 0.004), black_share=1.0,
                                         photons=(64000.0, 1000000.0), read_noise=(0.00001, 0.00006),
                                         quiet_keys=(), quiet_photons=0.0),
}


def srgb_to_linear(srgb):
    srgb = np.asarray(srgb, np.float32)
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear):
    linear = np.clip(np.asarray(linear, np.float32), 0.0, 1.0)
    return np.where(linear <= 0.0031308, linear * 12.92,
                    1.055 * linear ** (1 / 2.4) - 0.055).astype(np.float32)


def to_grayscale(image):
    """Luma replicated to three channels."""
    return np.repeat((image @ LUMA)[..., np.newaxis], 3, axis=-1).astype(np.float32)


def sample_params(rng, ranges=Ranges()):
    """Draws one set of edit parameters from `rng` (a numpy Generator)."""
    params = {
        "exposure": rng.uniform(*ranges.exposure),
        "vibrance": rng.uniform(*ranges.vibrance),
        "contrast": rng.uniform(*ranges.contrast),
        "grayscale": bool(rng.uniform() < ranges.grayscale_fraction),
        "photons": float(np.exp(rng.uniform(*np.log(ranges.photons)))) if ranges.noise else 0.0,
        "read_noise": rng.uniform(*ranges.read_noise) if ranges.noise else 0.0,
        "exposure_lift": rng.uniform(0.0, ranges.local_exposure) if ranges.local_exposure else 0.0,
        "headroom": rng.uniform(0.0, ranges.highlight_headroom) if ranges.highlight_headroom else 0.0,
        "dark_key": float(np.exp(rng.uniform(*np.log(ranges.dark_key)))) if ranges.dark_key else 0.0,
    }
    params = {k: (float(v) if not isinstance(v, bool) else v) for k, v in params.items()}
    if ranges.black_level:
        level = rng.uniform(0.0, ranges.black_level) if rng.uniform() < ranges.black_share else 0.0
        params["black_level"] = tuple(float(level * 2.0 ** t) for t in rng.uniform(-1.5, 1.5, 3))
    if ranges.exposure_gap:
        params["exposure_gap"] = float(rng.uniform(*ranges.exposure_gap))
    if ranges.white_balance:
        red, blue = rng.uniform(*ranges.white_balance, 2)
        params["white_balance"] = (float(red), 1.0, float(blue))
    return params


def log_average_luminance(linear):
    """exp(mean(log(Y + 1e-4))) of the linear BT.709 luminance Y: a photo's key (Reinhard)."""
    luminance = linear @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    return float(np.exp(np.mean(np.log(luminance + 1e-4))))


def exposure_for_key(linear, key):
    """The exposure (EV, at most 0) that brings `linear`'s log-average luminance to `key`."""
    return float(min(0.0, np.log2(key / log_average_luminance(linear))))


def photons_for_key(photons, key, ranges):
    """A photon count drawn from `ranges.photons`, moved to the same place in the range whose low
    end rises log-linearly from its own at `quiet_keys[0]` to `quiet_photons` at `quiet_keys[1]`."""
    low_end, high_end = np.log(ranges.photons)
    floor = np.interp(np.log(key), np.log(ranges.quiet_keys),
                      [low_end, np.log(ranges.quiet_photons)])
    share = (np.log(photons) - low_end) / (high_end - low_end)
    return float(np.exp(floor + share * (high_end - floor)))


def add_noise(linear, photons, read_noise, rng, white_balance=(1.0, 1.0, 1.0)):
    """Poisson-Gaussian sensor noise on a linear image; `photons` is the full-scale count. With
    `white_balance` gains, the noise falls on the camera's raw signal, before the gains."""
    gains = np.asarray(white_balance, np.float32)
    raw = linear / gains
    shot = rng.poisson(np.clip(raw, 0.0, None) * photons) / photons
    return (shot + rng.normal(0.0, read_noise, raw.shape)).astype(np.float32) * gains


def with_sensor_noise(srgb, photons, seed, read_noise=0.0002, white_balance=(2.0, 1.0, 1.8)):
    """An sRGB image as a noisier camera would record it: Poisson-Gaussian noise added in linear
    light under red and blue gains (`add_noise`), re-encoded and quantised to 8 bits."""
    noisy = add_noise(srgb_to_linear(srgb), photons, read_noise, np.random.default_rng(seed),
                      white_balance)
    return (np.round(linear_to_srgb(noisy) * 255) / 255).astype(np.float32)


def apply_vibrance(srgb, vibrance):
    high, low = srgb.max(axis=-1, keepdims=True), srgb.min(axis=-1, keepdims=True)
    saturation = (high - low) / np.maximum(high, 1e-6)
    luma = (srgb @ LUMA)[..., np.newaxis]
    return luma + (srgb - luma) * (1.0 + vibrance / 100.0 * (1.0 - saturation))


def apply_contrast(srgb, contrast):
    amount = -contrast / 200.0
    return srgb + amount * np.sin(2.0 * np.pi * srgb) / (2.0 * np.pi)


def smooth_field(rng, height, width, cells=4):
    """Values in [0, 1] varying smoothly over a height x width image: a cells x cells grid of
    uniform random values, bilinearly upsampled."""
    grid = rng.uniform(size=(cells, cells))
    rows, cols = np.linspace(0, cells - 1, height), np.linspace(0, cells - 1, width)
    grid = np.stack([np.interp(cols, np.arange(cells), row) for row in grid])  # (cells, width)
    return np.stack([np.interp(rows, np.arange(cells), col) for col in grid.T], axis=1)


def exposure_map(params, height, width, rng=None):
    """Exposure in EV: the scalar E, or per pixel (height, width, 1) when `exposure_lift` > 0."""
    if not params.get("exposure_lift"):
        return params["exposure"]
    field = smooth_field(rng, height, width)
    return np.minimum(0.0, params["exposure"] + params["exposure_lift"] * field)[..., np.newaxis]


def expand_highlights(linear, headroom):
    """Scene light behind near-white pixels: up to 2**headroom times brighter, ramping in
    from 0.8 to 1 of the brightest channel (monotonic, 1x below 0.8)."""
    ramp = np.clip((linear.max(axis=-1, keepdims=True) - 0.8) / 0.2, 0.0, 1.0)
    return (linear * 2.0 ** (headroom * ramp)).astype(np.float32)


def reexpose(linear, gain):
    """A shorter exposure of a photo (`gain` <= 1) with a highlight shoulder:
    `gain * x + (1 - gain) * x**4` scales shadows and mid-tones by `gain` and keeps white white
    (light sources stay clipped, as in any exposure long enough for the rest of the scene)."""
    return (gain * linear + (1.0 - gain) * linear ** 4).astype(np.float32)


def brighten(linear, gain):
    """A longer exposure (`gain` >= 1) with a shoulder: `g x / (1 + (g - 1) x)` scales the
    shadows by `gain`, keeps white white and clips nothing."""
    return (gain * linear / (1.0 + (gain - 1.0) * linear)).astype(np.float32)


def darken(linear, params, rng=None):
    """The dark sRGB input for a linear image and one parameter set (see the module docstring)."""
    if params.get("headroom"):
        linear = expand_highlights(linear, params["headroom"])
    exposure = exposure_map(params, *linear.shape[:2], rng)
    dark = np.clip(linear * np.asarray(2.0 ** exposure, np.float32), 0.0, 1.0)
    if params.get("black_level"):
        dark = dark + np.asarray(params["black_level"], np.float32)
    if params["photons"] > 0:
        dark = add_noise(dark, params["photons"], params["read_noise"], rng,
                         params.get("white_balance", (1.0, 1.0, 1.0)))
    srgb = linear_to_srgb(dark)
    srgb = apply_contrast(apply_vibrance(srgb, params["vibrance"]), params["contrast"])
    return np.clip(srgb, 0.0, 1.0).astype(np.float32)


def add_clarity(srgb, amount, fine=1 / 300, coarse=1 / 30):
    """`srgb` with `amount` times its band of L* added to L* (the band: its Gaussian blur at
    `fine` of the long side minus its blur at `coarse`); a and b, so hues, are kept."""
    lab = cv2.cvtColor(np.ascontiguousarray(srgb, np.float32), cv2.COLOR_RGB2LAB)
    lightness, side = lab[..., 0] / 100, max(srgb.shape[:2])
    band = (cv2.GaussianBlur(lightness, (0, 0), fine * side)
            - cv2.GaussianBlur(lightness, (0, 0), coarse * side))
    lab[..., 0] = np.clip(lightness + amount * band, 0, 1) * 100
    return np.clip(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB), 0, 1).astype(np.float32)


def clahe_tiles(shape):
    """CLAHE tiles per side for an image: 75 px tiles, as the baseline's 8x8 at 600x400."""
    return max(1, round(8 * max(shape[:2]) / 600))


def equalised_share(key, ranges):
    """How much of a target is equalised at dark key `key`: 1 without `clahe_keys`, else
    `clahe_floor` up to the low key, 1 from the high one, log-linear between."""
    if not ranges.clahe_keys:
        return 1.0
    return float(np.interp(np.log(key), np.log(ranges.clahe_keys), [ranges.clahe_floor, 1.0]))


def make_pair(linear, seed, ranges=Ranges()):
    """(low, high, params) for a linear RGB image; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    params = sample_params(rng, ranges)
    if params["dark_key"]:
        params["exposure"] = exposure_for_key(linear, params["dark_key"])
        if params["photons"] and ranges.quiet_keys:
            params["photons"] = photons_for_key(params["photons"], params["dark_key"], ranges)
    low = darken(linear, params, rng)
    target = linear
    if params.get("exposure_gap"):
        key = log_average_luminance(srgb_to_linear(low)) * 2.0 ** params["exposure_gap"]
        gain = min(2.0 ** ranges.target_ceiling, key / log_average_luminance(linear))
        params["target_gain"] = float(gain)
        target = reexpose(linear, gain) if gain <= 1.0 else brighten(linear, gain)
    high = linear_to_srgb(target)
    share = equalised_share(params["dark_key"], ranges) if ranges.target_clahe else 0.0
    if share:
        equalised = baselines.clahe(high, ranges.target_clahe, tiles=clahe_tiles(high.shape))
    if ranges.target_clarity and share < 1.0:
        high = add_clarity(high, ranges.target_clarity)
    if share:
        high = ((1.0 - share) * high + share * equalised).astype(np.float32)
    if params["grayscale"]:
        low, high = to_grayscale(low), to_grayscale(high)
    return low, high, params


def constant_pair(value, shape):
    """An all-black (0) or all-white (1) pair: the network should leave it unchanged."""
    image = np.full(shape, value, np.float32)
    return image, image.copy()
