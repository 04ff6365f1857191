"""Video: gladnet-enhance on clips made here (PyAV), and the temporally stable enhancer."""
import os

import av
import cv2
import numpy as np
import pytest

from gladnet_tf import enhance, temporal, video
from gladnet_tf.inference import Enhancer, shipped_weights

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = (96, 128)  # height, width


@pytest.fixture(scope="module")
def enhancer():
    return Enhancer(shipped_weights())


def dark_scene(seed=0):
    """A dark photo from samples/, small."""
    photo = cv2.imread(os.path.join(REPO, "samples", ["kluki1.png", "lime_4.png"][seed]))[..., ::-1]
    return cv2.resize(photo, SIZE[::-1], interpolation=cv2.INTER_AREA).astype(np.float32) / 255


def noisy(image, rng, sigma=0.01):
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 1).astype(np.float32)


def write_clip(path, frames, rate=25, rotation=0, audio=True):
    """An H.264 clip (lossless) of float frames, with a mono AAC track when `audio`."""
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=rate)
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt, stream.options = "yuv444p", {"qp": "0"}
        if rotation:
            stream.set_display_rotation(rotation)
        sound = out.add_stream("aac", rate=16000, layout="mono") if audio else None
        for index, frame in enumerate(frames):
            encoded = av.VideoFrame.from_ndarray(np.round(frame * 255).astype(np.uint8), format="rgb24")
            encoded.pts = index
            for packet in stream.encode(encoded):
                out.mux(packet)
        if sound:
            for index in range(round(len(frames) / rate * 16000 / 1024)):
                samples = (0.3 * np.sin(np.arange(1024) / 7 + index))[None].astype(np.float32)
                chunk = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                chunk.sample_rate, chunk.pts = 16000, index * 1024
                for packet in sound.encode(chunk):
                    out.mux(packet)
        for part in (stream, sound) if sound else (stream,):
            for packet in part.encode():
                out.mux(packet)


def read_clip(path):
    """(frames as uint8 RGB, their times, rotation, audio packets' bytes, average rate)."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        rate = stream.average_rate
        frames, times, rotation = [], [], 0
        for frame in container.decode(video=0):
            frames.append(frame.to_ndarray(format="rgb24"))
            times.append(float(frame.time))
            rotation = frame.rotation
    with av.open(str(path)) as container:
        sound = [bytes(p) for p in container.demux(audio=0) if p.size] if container.streams.audio else []
    return np.stack(frames), times, rotation, sound, rate


def test_a_clip_keeps_its_timing_size_rotation_and_audio(tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "in").mkdir()
    write_clip(tmp_path / "in" / "night.mp4", [noisy(dark_scene(), rng) for _ in range(12)], rate=24,
               rotation=90)
    assert enhance.main([str(tmp_path / "in"), "--output-dir", str(tmp_path / "out")]) == 0
    frames, times, rotation, sound, rate = read_clip(tmp_path / "out" / "night.mp4")
    in_frames, in_times, _, in_sound, in_rate = read_clip(tmp_path / "in" / "night.mp4")
    assert frames.shape == in_frames.shape and rate == in_rate == 24
    np.testing.assert_allclose(times, in_times, atol=1e-6)
    assert rotation == 90
    assert sound == in_sound and len(sound) > 5  # copied packet for packet
    assert frames.mean() > 2 * in_frames.mean()  # enhanced
    assert not [p for p in os.listdir(tmp_path / "out") if p.startswith(".tmp")]


def test_frame_by_frame_output_is_the_photo_paths(tmp_path, enhancer):
    rng = np.random.default_rng(1)
    clip = [noisy(dark_scene(), rng) for _ in range(4)]
    write_clip(tmp_path / "clip.mkv", clip, audio=False)
    assert enhance.main([str(tmp_path / "clip.mkv"), "--output-dir", str(tmp_path / "out"),
                         "--temporal", "none", "--crf", "0"]) == 0
    frames = read_clip(tmp_path / "out" / "clip.mkv")[0].astype(np.float32) / 255
    decoded = read_clip(tmp_path / "clip.mkv")[0].astype(np.float32) / 255
    for got, source in zip(frames, decoded):
        expected = enhancer(source)
        psnr = 10 * np.log10(1 / np.mean((got - expected) ** 2))
        assert psnr > 38, psnr  # only the H.264 4:2:0 round trip stands between them


def test_stable_enhancer_without_smoothing_equals_the_enhancer(enhancer):
    rng = np.random.default_rng(2)
    stable = temporal.StableEnhancer(enhancer, time_constant=0)
    for index in range(3):
        frame = noisy(dark_scene(), rng)
        np.testing.assert_allclose(stable(frame, index / 25), enhancer(frame), atol=2e-5)


def brightness_swing(outputs, mask):
    """|mean with the light on - mean with it off| / mean, over the static part (`mask`)."""
    values = np.array([o[mask].mean() for o in outputs])
    on, off = values[0::2], values[1::2]
    return abs(on.mean() - off.mean()) / values.mean()


def test_a_blinking_light_does_not_pump_the_picture(enhancer):
    scene = dark_scene()
    lit = scene.copy()
    lit[:32, :32] = 1.0  # a light in a corner (at 24x24 the shipped weights hardly react to it)
    frames = [lit if index % 2 == 0 else scene for index in range(16)]
    static = np.ones(SIZE, bool)
    static[:48, :48] = False
    framewise = [enhancer(f) for f in frames]
    stable = temporal.StableEnhancer(enhancer, time_constant=1.0)
    smoothed = [stable(f, index / 25) for index, f in enumerate(frames)]
    assert stable.cuts == 0
    before, after = brightness_swing(framewise[4:], static), brightness_swing(smoothed[4:], static)
    assert before > 0.002, before  # the check has teeth: frame by frame, the picture pumps
    assert after < before / 4, (before, after)


def test_a_cut_restarts_the_average(enhancer):
    first, second = dark_scene(0), dark_scene(1)
    stable = temporal.StableEnhancer(enhancer, time_constant=10.0)
    for index in range(3):
        stable(first, index / 25)
    output = stable(second, 3 / 25)
    assert stable.cuts == 1
    np.testing.assert_allclose(output, enhancer(second), atol=2e-5)


def test_noise_alone_is_not_a_cut(enhancer):
    rng = np.random.default_rng(3)
    previous = temporal.thumbnail(noisy(dark_scene(), rng, 0.03))
    assert not temporal.is_cut(previous, temporal.thumbnail(noisy(dark_scene(), rng, 0.03)))
    assert temporal.is_cut(previous, temporal.thumbnail(np.clip(dark_scene() * 3, 0, 1)))


def test_bad_videos_fail_in_one_line_and_the_batch_goes_on(tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    write_clip(folder / "good.mp4", [dark_scene()] * 3, audio=False)
    (folder / "corrupt.mp4").write_bytes(os.urandom(2000))
    whole = (folder / "good.mp4").read_bytes()
    (folder / "truncated.mp4").write_bytes(whole[: len(whole) // 2])
    with av.open(str(folder / "sound.mp4"), "w") as out:  # audio only
        sound = out.add_stream("aac", rate=16000, layout="mono")
        chunk = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
        chunk.sample_rate, chunk.pts = 16000, 0
        for packet in [*sound.encode(chunk), *sound.encode()]:
            out.mux(packet)
    assert enhance.main([str(folder), "--output-dir", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert f"{folder / 'corrupt.mp4'}: not a readable video" in err
    assert f"{folder / 'truncated.mp4'}: " in err
    assert f"{folder / 'sound.mp4'}: no video stream" in err
    assert "Traceback" not in err
    assert sorted(os.listdir(tmp_path / "out")) == ["good.mp4"]  # nothing partial left


def test_an_existing_output_is_kept_without_overwrite(tmp_path):
    write_clip(tmp_path / "clip.mp4", [dark_scene()] * 2, audio=False)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "clip.mp4").write_bytes(b"keep")
    assert enhance.main([str(tmp_path / "clip.mp4"), "--output-dir", str(tmp_path / "out")]) == 0
    assert (tmp_path / "out" / "clip.mp4").read_bytes() == b"keep"


def test_webm_comes_out_as_mkv():
    assert video.output_extension("a/clip.WEBM") == ".mkv" and video.output_extension("b.mov") == ".mov"
