"""The page's speed: seconds per megapixel of web/ in headless Chromium (LiteRT.js, WebAssembly
with threads; with the int8 detail model; one thread when the page is not cross-origin isolated)
against the Python TFLite interpreter running the same split pair on the same windows (fitted to
the photo) and on Android's fixed 256-pixel masked windows, and gladnet-enhance's engines, in one
run on this CPU; with the useful GFLOP/s of each (the network's FLOPs at the photo's size over the
time: halos and masked pixels are work that does not count). Beside them, WebAssembly's own SIMD
peak in the same Chromium (two workers running independent f32x4 multiply-adds, fused by relaxed
SIMD or not), the ceiling no WebAssembly kernel passes. Goal: the page with threads <= 1.5x the
Python TFLite fp32 time per megapixel.

    .venv/bin/python bench/web.py [--size 1200x1600] [--repeats 2]
"""
import argparse
import base64
import contextlib
import functools
import http.server
import os
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

import cv2
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.common import append_results  # noqa: E402
from bench.roofline import conv_flops, peak_conv_gflops  # noqa: E402
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

# Two workers run `run(rounds)` of the module below: one second to let V8 compile it with its
# optimising tier, then two seconds counted; their GFLOP/s summed.
SIMD_PEAK = """
const [bytes, flopPerRound, done] = arguments;
const source = `onmessage = (event) => {
  const run = new WebAssembly.Instance(new WebAssembly.Module(event.data)).exports.run;
  const rounds = 100000;
  let start = performance.now();
  while (performance.now() - start < 1000) run(rounds);
  let count = 0;
  start = performance.now();
  while (performance.now() - start < 2000) { run(rounds); count += rounds; }
  postMessage(count * ${flopPerRound} / (performance.now() - start) / 1e6);
};`;
const module = Uint8Array.from(atob(bytes), (c) => c.charCodeAt(0));
const url = URL.createObjectURL(new Blob([source], {type: 'text/javascript'}));
Promise.all([0, 1].map(() => new Promise((resolve, reject) => {
  const worker = new Worker(url);
  worker.onmessage = (event) => { worker.terminate(); resolve(event.data); };
  worker.onerror = (event) => reject(event.message);
  worker.postMessage(module);
}))).then((gflops) => done(gflops[0] + gflops[1]), (error) => done(String(error)));
"""
ACCUMULATORS = 12  # with the two constants, 14 of the 16 SIMD registers V8 allocates on x86: no spills
FLOP_PER_ROUND = ACCUMULATORS * 4 * 2


def simd_peak_module(fused):
    """WebAssembly bytes exporting `run(rounds)`: rounds of 12 independent f32x4 multiply-adds, each
    `f32x4.relaxed_madd` (fused) or `f32x4.mul` then `f32x4.add`."""
    def leb(value):
        out = bytearray()
        while True:
            byte, value = value & 0x7F, value >> 7
            out.append(byte | (0x80 if value else 0))
            if not value:
                return bytes(out)

    def section(kind, content):
        return bytes([kind]) + leb(len(content)) + content

    def get(index):
        return b"\x20" + leb(index)

    def set_(index):
        return b"\x21" + leb(index)

    def splat(value):
        return b"\xfd\x0c" + struct.pack("<f", value) * 4

    half, one = ACCUMULATORS + 1, ACCUMULATORS + 2
    code = splat(0.5) + set_(half) + splat(1.0) + set_(one) + b"\x03\x40"  # loop
    for acc in range(1, ACCUMULATORS + 1):  # acc = acc * 0.5 + 1: stays near 2, never denormal
        madd = b"\xfd\x85\x02" if fused else b"\xfd\xe6\x01" + get(one) + b"\xfd\xe4\x01"
        code += get(acc) + get(half) + (get(one) if fused else b"") + madd + set_(acc)
    code += get(0) + b"\x41\x01\x6b\x22\x00\x0d\x00\x0b"  # rounds -= 1, again while rounds
    code += get(1) + b"\xfd\x1f\x00"
    for acc in range(2, ACCUMULATORS + 1):  # every accumulator's lane 0 summed: nothing is dead code
        code += get(acc) + b"\xfd\x1f\x00\x92"
    body = b"\x01" + leb(ACCUMULATORS + 2) + b"\x7b" + code + b"\x0b"
    return (b"\x00asm\x01\x00\x00\x00" + section(1, b"\x01\x60\x01\x7f\x01\x7d")
            + section(3, b"\x01\x00") + section(7, b"\x01\x03run\x00\x00")
            + section(10, b"\x01" + leb(len(body)) + body))


class Unisolated(web.Handler):
    """The page served without cross-origin isolation: LiteRT.js falls back to one thread."""

    def end_headers(self):
        http.server.SimpleHTTPRequestHandler.end_headers(self)


@contextlib.contextmanager
def browser(isolated=True, query=""):
    """Headless Chromium on the page, served as `gladnet-web` serves it (or without isolation)."""
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
        yield driver
    finally:
        driver.quit()
        httpd.shutdown()


def page_seconds(photo_name, isolated, repeats, query=""):
    with browser(isolated, query) as driver:
        results = [driver.execute_async_script(ENHANCE, photo_name) for _ in range(repeats)]
    if "error" in results[0]:
        raise RuntimeError(results[0]["error"])
    seconds = statistics.median(r["seconds"] for r in results)
    inside = statistics.median(r["model"] / r["seconds"] for r in results)
    return seconds, f"{results[0]['backend']}; {inside:.0%} of it inside LiteRT.js"


def wasm_ceiling():
    """In one browser on the page: the WebAssembly file it loads, whether that uses relaxed SIMD
    ('yes' when Node with relaxed SIMD off refuses it; 'unknown' where this Node cannot turn it
    off), and `simd_peak_module`'s GFLOP/s in two workers, fused and not."""
    with browser() as driver:
        names = driver.execute_async_script(
            "const done = arguments[0]; window.gladnet.ready.then(() => done("
            "performance.getEntriesByType('resource').map((e) => e.name).filter((n) => n.endsWith('.wasm'))))")
        peaks = [driver.execute_async_script(SIMD_PEAK, base64.b64encode(simd_peak_module(fused)).decode(),
                                             FLOP_PER_ROUND) for fused in (True, False)]
    for result in peaks:
        if isinstance(result, str):
            raise RuntimeError(result)
    path = os.path.join(web.WEB, names[0].split("/", 3)[3])
    check = subprocess.run(["node", "--no-experimental-wasm-relaxed-simd", "-e", "process.exit(WebAssembly.validate("
                            "require('fs').readFileSync(process.argv[1])) ? 0 : 1)", path],
                           capture_output=True, check=False)
    return os.path.basename(path), {0: "no", 1: "yes"}.get(check.returncode, "unknown"), *peaks


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
    wasm, relaxed, fused, unfused = wasm_ceiling()
    needed = flops / reference / 1e9 / 1.5
    peaks = [f"WebAssembly SIMD peak in this Chromium, 2 workers: {fused:.0f} GFLOP/s with "
             f"fused multiply-adds (relaxed SIMD), {unfused:.0f} with a multiply then an add. "
             f"Native float32 conv peak (TensorFlow, bench/roofline.py's shape): "
             f"{peak_conv_gflops(tf.float32):.0f} GFLOP/s. The goal (1.5x) needs the page at {needed:.0f} "
             f"useful GFLOP/s. The page loads LiteRT.js's `{wasm}` (relaxed SIMD in it: {relaxed})."]
    append_results("The page against Python TFLite", rows, [
        f"{width}x{height} photo; median of {args.repeats} (the unisolated page: 1). Headless Chromium "
        "has no GPU here, so WebGPU is not measured.", *peaks])

if __name__ == "__main__":
    main()
