"""Video files in, enhanced video files out, with PyAV (FFmpeg's libraries; no ffmpeg binary).

Frames are streamed: decoded, enhanced and encoded one at a time, so memory does not grow with a
clip's length. The output keeps the input's frame timestamps (and so its frame rate), size and
rotation; audio streams are copied packet for packet, not re-encoded. Video is H.264 (libx264,
quality by its CRF). The container is the input's, except WebM (which H.264 may not enter): MKV.
Outputs are written atomically: a failure leaves nothing behind.
"""
import os

import av
import numpy as np

from gladnet_tf.atomic import OutputExistsError, atomic_path

VIDEO_EXTENSIONS = frozenset(".mp4 .m4v .mov .mkv .avi .webm".split())
OUTPUT_EXTENSIONS = {".webm": ".mkv"}
MUXERS = {".mkv": "matroska", ".m4v": "mp4"}  # FFmpeg's muxer names where not the extension
DEFAULT_CRF = 18  # libx264: 0 lossless, 18 visually lossless, 23 its default, 51 worst


class VideoError(ValueError):
    """A video that cannot be read or written; the message names the file and the reason."""


def is_video(path):
    return os.path.splitext(path)[1].lower() in VIDEO_EXTENSIONS


def output_extension(path):
    """The output's extension for a video input: its own, or .mkv for WebM."""
    ext = os.path.splitext(path)[1].lower()
    return OUTPUT_EXTENSIONS.get(ext, ext)


def _reason(error):
    return (getattr(error, "strerror", None) or str(error)).strip().rstrip(".").lower()


def frame_count(stream):
    """Frames in a video stream as its container states them, or estimated from its duration;
    None when neither is known."""
    if stream.frames:
        return stream.frames
    rate = stream.average_rate or stream.guessed_rate
    if stream.duration and stream.time_base and rate:
        return int(round(float(stream.duration * stream.time_base * rate)))
    return None


def open_video(path):
    """(container, its first video stream), or VideoError naming the file and the reason."""
    try:
        container = av.open(path)
    except OutputExistsError:
        raise
    except (av.FFmpegError, OSError) as error:
        raise VideoError(f"{path}: not a readable video ({_reason(error)})") from None
    if not container.streams.video:
        container.close()
        raise VideoError(f"{path}: no video stream")
    stream = container.streams.video[0]
    if stream.codec_context is None or not stream.codec_context.width:
        container.close()
        raise VideoError(f"{path}: unsupported video codec")
    return container, stream


def enhance_video(path, target, enhance_frame, crf=DEFAULT_CRF, overwrite=False, progress=None):
    """Writes `target`: every frame of `path`'s first video stream passed through
    `enhance_frame(rgb float32 (H, W, 3) in [0, 1], time in seconds)`, in order. `progress(n)` is
    called after each frame. Returns the number of frames; VideoError on a bad input."""
    container, source = open_video(path)
    expected = frame_count(source)
    audio = list(container.streams.audio)
    frames = 0
    try:
        with container, atomic_path(target, overwrite) as tmp:
            ext = output_extension(target)
            with av.open(tmp, "w", format=MUXERS.get(ext, ext.lstrip("."))) as out:
                width, height = source.codec_context.width, source.codec_context.height
                video = out.add_stream("libx264", rate=source.average_rate or source.guessed_rate or 30)
                video.width, video.height = width, height
                video.pix_fmt = "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"
                video.time_base = source.time_base
                video.options = {"crf": str(crf)}
                copies = {stream.index: out.add_stream_from_template(stream) for stream in audio}
                waiting = []  # audio packets that come before the first frame fixes the header
                for packet in container.demux(source, *audio):
                    if packet.stream.type == "audio":
                        if packet.dts is not None:
                            packet.stream = copies[packet.stream.index]
                            if frames:
                                out.mux(packet)
                            else:
                                waiting.append(packet)
                        continue
                    for frame in packet.decode():
                        if not frames and frame.rotation:
                            video.set_display_rotation(frame.rotation)
                        image = frame.to_ndarray(format="rgb24").astype(np.float32) / 255
                        seconds = float(frame.time) if frame.time is not None else frames / float(video.rate)
                        result = enhance_frame(image, seconds)
                        encoded = av.VideoFrame.from_ndarray(
                            np.round(np.clip(result, 0, 1) * 255).astype(np.uint8), format="rgb24")
                        encoded.pts = frame.pts if frame.pts is not None else frames
                        encoded.time_base = frame.time_base or source.time_base
                        for out_packet in video.encode(encoded):
                            out.mux(out_packet)
                        frames += 1
                        for early in waiting:
                            out.mux(early)
                        waiting = []
                        if progress:
                            progress(1)
                for out_packet in video.encode():
                    out.mux(out_packet)
                if not frames:
                    raise VideoError(f"{path}: no video frame decodes")
                if source.frames and frames < 0.9 * expected:
                    raise VideoError(f"{path}: truncated ({frames} of {expected} frames decode)")
    except OutputExistsError:
        raise
    except (av.FFmpegError, OSError) as error:
        raise VideoError(f"{path}: {_reason(error)} after {frames} frames; nothing written") from None
    return frames
