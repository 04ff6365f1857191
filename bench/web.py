"""The page's speed: seconds per megapixel of web/ in headless Chromium (LiteRT.js, WebAssembly
with threads; with the int8 detail model; one thread when the page is not cross-origin isolated)
against the Python TFLite interpreter running the same split pair on the same windows (fitted to
the photo) and on Android's fixed 256-pixel masked windows, and gladnet-enhance's engines, in one
run on this CPU; with the useful GFLOP/s of each (the network's FLOPs at the photo's size over the
time: halos and masked pixels are work that does not count). Goal: the page with threads <= 1.5x
the Python TFLite fp32 time per megapixel.

    .venv/bin/python bench/web.py [--size 1200x1600] [--repeats 2]
"""
import argparse
import functools
import http.server
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.common import append_results  # noqa: E402
from bench.roofline import conv_flops  # noqa: E402
from gladnet_tf import imageio, tflite_engine, web  # noqa: E402
from gladnet_tf.inference import Enhancer, shipped_weights  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE_PAIR = f"Python TFLite fp32, the page's pair and windows (fitted, at most {web.LARGEST} px)"
ENHANCE = """
const [url, done] = arguments;
window.gladnet.ready.then(() => window.gladnet.enhanceUrl(url, {rowStep: 1 << 30}))
  .then((r) => done({seconds: r.seconds, model: r.modelSeconds, backend: r.backend}))
  .catch((e) => done({error: String(e)}));
"""


class Unisolated(web.Handler):
    """The page served without cross-origin isolation: LiteRT.js falls back to one thread."""

    def end_headers(self):
        http.server.SimpleHTTPRequestHandler.end_headers(self)


def page_seconds(photo_name, isolated, repeats, query=""):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    handler = web.Handler if isolated else Unisolated
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=web.WEB))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.set_script_timeout(3600)
    try:
        driver.get(f"http://127.0.0.1:{httpd.server_address[1]}/{query}")
        results = [driver.execute_async_script(ENHANCE, photo_name) for _ in range(repeats)]
    finally:
        driver.quit()
        httpd.shutdown()
    if "error" in results[0]:
        raise RuntimeError(results[0]["error"])
    seconds = statistics.median(r["seconds"] for r in results)
    inside = statistics.median(r["model"] / r["seconds"] for r in results)
    return seconds, f"{results[0]['backend']}; {inside:.0%} of it inside LiteRT.js"


def python_seconds(enhancer, image, repeats):
    enhancer(image[:64, :64])
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        enhancer(image)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1200x1600", help="HxW of the photo")
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    height, width = (int(v) for v in args.size.split("x"))
    web.prepare()
    photo = imageio.read_image(os.path.join(REPO, "samples", "sice_1489.jpg"))[0]
    photo = cv2.resize(photo, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    name = "_bench_photo.png"
    cv2.imwrite(os.path.join(web.WEB, name), np.round(photo[..., ::-1] * 255).astype(np.uint8))
    megapixels = height * width / 1e6
    rows = ["| engine | s/MP | useful GFLOP/s | vs Python TFLite fp32 (same pair and windows) |",
            "|---|---|---|---|"]
    try:
        measured = [(f"page{label}, {backend}", seconds)
                    for label, (seconds, backend) in (("", page_seconds(name, True, args.repeats)),
                                                      (" int8 (?detail=int8)", page_seconds(name, True, args.repeats,
                                                                                            "?detail=int8")),
                                                      ("", page_seconds(name, False, 1)))]
    finally:
        os.remove(os.path.join(web.WEB, name))
    weights = shipped_weights()
    with tempfile.TemporaryDirectory() as cache:
        os.environ["XDG_CACHE_HOME"] = cache
        measured.append((PAGE_PAIR, python_seconds(
            tflite_engine.LiteEnhancer(weights, window=web.LARGEST, fitted=True), photo, args.repeats)))
        measured.append((f"Python TFLite fp32, fixed {web.TILE}-pixel masked windows (Android's)",
                         python_seconds(tflite_engine.LiteEnhancer(weights, window=web.TILE), photo,
                                        args.repeats)))
        measured.append(("Python TFLite fp32, tiles fitted to the photo (gladnet-enhance --engine tflite)",
                         python_seconds(tflite_engine.LiteEnhancer(weights), photo, args.repeats)))
    for precision in ("float32", "bfloat16"):
        measured.append((f"TensorFlow {precision} (gladnet-enhance --engine tf)",
                         python_seconds(Enhancer(weights, precision), photo, args.repeats)))
    reference = dict(measured)[PAGE_PAIR]
    flops = sum(conv_flops(height, width).values())
    for label, seconds in measured:
        rows.append(f"| {label} | {seconds / megapixels:.2f} | {flops / seconds / 1e9:.0f} | "
                    f"{seconds / reference:.2f}x |")
    append_results("The page against Python TFLite", rows, [
        f"{width}x{height} photo; median of {args.repeats} (the unisolated page: 1). Headless Chromium "
        "has no GPU here, so WebGPU is not measured."])


if __name__ == "__main__":
    main()
