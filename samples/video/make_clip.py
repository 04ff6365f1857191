"""Makes night_blink.mp4 from kluki1.png: 3 s at 15 fps, fresh sensor noise in every frame, a
small light blinking in one corner (4 frames on, 4 off) and a quiet tone as its audio track.

    .venv/bin/python samples/video/make_clip.py
"""
import os

import av
import cv2
import numpy as np

from gladnet_tf import synthesis

HERE = os.path.dirname(os.path.abspath(__file__))
FPS, FRAMES, RATE = 15, 45, 16000


def frames():
    scene = cv2.imread(os.path.join(HERE, "..", "kluki1.png"))[..., ::-1]
    scene = cv2.resize(scene, (320, 212), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    lit = scene.copy()
    cv2.circle(lit, (300, 20), 8, (1.0, 0.85, 0.6), -1)
    for index in range(FRAMES):
        image = lit if (index // 4) % 2 == 0 else scene
        yield np.round(synthesis.with_sensor_noise(image, 5000, index) * 255).astype(np.uint8)


def main():
    with av.open(os.path.join(HERE, "night_blink.mp4"), "w") as out:
        video = out.add_stream("libx264", rate=FPS)
        video.width, video.height, video.pix_fmt = 320, 212, "yuv420p"
        video.options = {"crf": "26"}
        audio = out.add_stream("aac", rate=RATE, layout="mono")
        for index, image in enumerate(frames()):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = index
            out.mux(video.encode(frame))
        for index in range(FRAMES * RATE // FPS // 1024):
            tone = 0.05 * np.sin(2 * np.pi * 440 * (index * 1024 + np.arange(1024)) / RATE)
            chunk = av.AudioFrame.from_ndarray(tone[None].astype(np.float32), format="fltp", layout="mono")
            chunk.sample_rate, chunk.pts = RATE, index * 1024
            out.mux(audio.encode(chunk))
        out.mux(video.encode())
        out.mux(audio.encode())


if __name__ == "__main__":
    main()
