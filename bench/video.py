"""Video stability and speed: frame by frame against the temporally smoothed global features.

Clips are made from real dark photos in ../shared (30 fps, 360x480):
- static: one photo, fresh sensor noise in every frame;
- blink: the same with a lamp (1.2 % of the picture) in one corner, 4 frames on, 4 off;
- pan: a window sliding across a wider photo, noise in every frame;
- cut: one photo for 2 s, then another;
- light on: one photo for 2 s, then the same scene lit 2.5x brighter.

Printed per clip: pumping (|mean of the static part with the light on - with it off| / mean),
PSNR of each output against the enhanced noise-free frame (static), PSNR of smoothed against
frame-by-frame output, cuts detected, and frames until the output's brightness is within 5 % of
the frame-by-frame output after the change. Then the CLI's speed on an encoded 720p clip in frames
per second against the photo path's on the same frames, in one run.

    .venv/bin/python bench/video.py [--time-constant 1.0]
"""
import argparse
import os
import sys
import tempfile
import time

import av
import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.common import append_results  # noqa: E402
from gladnet_tf import cpu, synthesis, video  # noqa: E402
from gladnet_tf.inference import Enhancer, shipped_weights  # noqa: E402
from gladnet_tf.temporal import StableEnhancer  # noqa: E402

SHARED = os.environ.get("GLADNET_SHARED", os.path.join(os.path.dirname(__file__), "..", "..", "shared"))
FPS, SIZE, SECONDS = 30, (360, 480), 4
PHOTONS = 5000  # gladnet-evaluate --input-noise's scale: about 1.6 levels of 255 on dark photos
SETTLED = 32  # frames before pumping is measured: past the first second, whole blink periods


def photo(name, size=SIZE):
    image = cv2.imread(os.path.join(SHARED, name))[..., ::-1]
    return cv2.resize(image, size[::-1], interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def clips():
    """{name: (frames, clean frames or None, static-part mask or None, frame of the change)}."""
    count = FPS * SECONDS
    scene, other = photo("data/real_lowlight/sice48/1032.jpg"), photo("reference/eval_low/kluki1.png")
    noise = lambda image, i: synthesis.with_sensor_noise(image, PHOTONS, i)  # noqa: E731
    lit = scene.copy()
    cv2.circle(lit, (60, 60), 24, (1.0, 0.9, 0.7), -1)  # a lamp, 1.2 % of the picture
    mask = np.ones(SIZE, bool)
    mask[:130, :130] = False
    wide = photo("data/real_lowlight/sice48/1071.jpg", (SIZE[0], SIZE[1] * 2))
    half = count // 2
    bright = np.clip(synthesis.linear_to_srgb(synthesis.srgb_to_linear(scene) * 2.5), 0, 1)
    return {
        "static": ([noise(scene, i) for i in range(count)], scene, None, None),
        "blink": ([noise(lit if (i // 4) % 2 == 0 else scene, i) for i in range(count)], None, mask, None),
        "pan": ([noise(wide[:, i * SIZE[1] // count:][:, :SIZE[1]], i) for i in range(count)], None, None, None),
        "cut": ([noise(scene if i < half else other, i) for i in range(count)], None, None, half),
        "light on": ([noise(scene if i < half else bright, i) for i in range(count)], None, None, half),
    }


def psnr(a, b):
    return 10 * np.log10(1 / max(np.mean((a - b) ** 2), 1e-12))


def pumping(outputs, mask, start=SETTLED):
    """Over frames from `start` (a multiple of the blink's 8-frame period, so on and off align)."""
    values = np.array([o[mask].mean() for o in outputs[start:]])
    on = values[[i for i in range(len(values)) if (i // 4) % 2 == 0]]
    off = values[[i for i in range(len(values)) if (i // 4) % 2 == 1]]
    return abs(on.mean() - off.mean()) / values.mean()


def frames_to_follow(smoothed, framewise, change):
    """Frames after `change` until the smoothed output's mean stays within 5 % of frame by frame's."""
    for start in range(change, len(smoothed)):
        if all(abs(s.mean() - f.mean()) <= 0.05 * f.mean()
               for s, f in zip(smoothed[start:], framewise[start:])):
            return start - change
    return None


def stability(enhancer, time_constant):
    rows = []
    for name, (frames, clean, mask, change) in clips().items():
        stable = StableEnhancer(enhancer, time_constant)
        smoothed = [stable(f, i / FPS) for i, f in enumerate(frames)]
        framewise = [enhancer(f) for f in frames]
        row = {"clip": name, "cuts": str(stable.cuts),
               "smoothed vs frame by frame": f"{np.mean([psnr(s, f) for s, f in zip(smoothed, framewise)]):.1f} dB"}
        if mask is not None:
            row["pumping, frame by frame"] = f"{100 * pumping(framewise, mask):.2f} %"
            row["pumping, smoothed"] = f"{100 * pumping(smoothed, mask):.2f} %"
        if clean is not None:
            reference = enhancer(clean)
            row["PSNR to clean, frame by frame"] = f"{np.mean([psnr(f, reference) for f in framewise]):.2f} dB"
            row["PSNR to clean, smoothed"] = f"{np.mean([psnr(s, reference) for s in smoothed]):.2f} dB"
        if change is not None:
            row["frames to follow"] = str(frames_to_follow(smoothed, framewise, change))
        print(row, flush=True)
        rows.append(row)
    return rows


def speed(enhancer, time_constant, frames=30):
    """(CLI frames/s on an encoded 720p clip, photo-path frames/s on the same frames)."""
    scene = photo("data/real_lowlight/sice48/1032.jpg", (720, 1280))
    with tempfile.TemporaryDirectory() as folder:
        source, target = os.path.join(folder, "in.mp4"), os.path.join(folder, "out.mp4")
        with av.open(source, "w") as out:
            stream = out.add_stream("libx264", rate=FPS)
            stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
            for i in range(frames):
                encoded = av.VideoFrame.from_ndarray(
                    np.round(synthesis.with_sensor_noise(scene, PHOTONS, i) * 255).astype(np.uint8), format="rgb24")
                encoded.pts = i
                for packet in stream.encode(encoded):
                    out.mux(packet)
            for packet in stream.encode():
                out.mux(packet)
        enhancer(scene)  # traced once for the size
        start = time.perf_counter()
        video.enhance_video(source, target, StableEnhancer(enhancer, time_constant))
        cli = frames / (time.perf_counter() - start)
    start = time.perf_counter()
    for i in range(frames):
        enhancer(scene)
    return cli, frames / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-constant", type=float, default=1.0)
    args = parser.parse_args()
    precision, _ = cpu.resolve_precision("auto")
    enhancer = Enhancer(shipped_weights(), precision)
    rows = stability(enhancer, args.time_constant)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    table = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    table += ["| " + " | ".join(row.get(c, "") for c in columns) + " |" for row in rows]
    cli, photo_path = speed(enhancer, args.time_constant)
    notes = [f"Time constant {args.time_constant} s, {FPS} fps, {SIZE[1]}x{SIZE[0]} clips of "
             f"{SECONDS} s, {precision}; sensor noise at {PHOTONS} photons.",
             f"720p: gladnet-enhance's video path {cli:.2f} frames/s (decode, smoothing, encode), "
             f"the photo path {photo_path:.2f} frames/s on the same frames: {cli / photo_path:.2f}x."]
    append_results("Video stability and speed (bench/video.py)", table, notes)


if __name__ == "__main__":
    main()
