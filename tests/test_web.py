"""The in-browser demo in a real browser: Debian's headless Chromium opens the page served on
127.0.0.1 (cross-origin isolated, so WebAssembly runs threads), LiteRT.js enhances photos at full
size with the split pair, and the page's pixels match gladnet-enhance's within 2/255: a portrait
photo and a 12 MP photo on WebAssembly threads, a small photo on WebGPU (SwiftShader standing in
for a GPU). Bad input and a cancelled run end in one line with
nothing offered for download. Needs chromium, chromium-driver and npm (.ci/run installs them);
writes the page's screenshot (docs/web_demo.png with GLADNET_SCREENSHOT=docs)."""
import base64
import os
import shutil
import threading
import time

import cv2
import numpy as np
import pytest

from gladnet_tf import imageio, web
from gladnet_tf.inference import Enhancer, shipped_weights

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER and shutil.which("npm")),
                                reason="needs Debian's chromium and chromium-driver, and npm")

# Starts the page on a photo; the result lands in window.testResult (polled: a 12 MP photo takes
# longer than one WebDriver request may).
ENHANCE = """
const [url, rowStep, cancelAfter] = arguments;
const b64 = (bytes) => {
  let text = '';
  for (let i = 0; i < bytes.length; i += 32768) text += String.fromCharCode(...bytes.subarray(i, i + 32768));
  return btoa(text);
};
const $ = (id) => document.getElementById(id);
window.testResult = null;
window.gladnet.ready
  .then(() => {
    if (cancelAfter) setTimeout(() => window.gladnet.cancel(), cancelAfter);
    return window.gladnet.enhanceUrl(url, {rowStep});
  })
  .then((r) => { window.testResult = {output: b64(r.output), width: r.width, full_height: r.height,
                                      backend: r.backend, seconds: r.seconds, status: $('status').textContent,
                                      download: !$('download').hidden}; })
  .catch((error) => { window.testResult = {error: String(error.message || error), note: $('note').textContent,
                                           download: !$('download').hidden}; });
"""


@pytest.fixture(scope="module")
def page():
    web.prepare()
    httpd = web.server(0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


# WebGPU on the CPU: Chromium's SwiftShader Vulkan adapter (slow, but the page's WebGPU path whole)
SWIFTSHADER_WEBGPU = ("--enable-unsafe-webgpu", "--enable-features=Vulkan", "--use-vulkan=swiftshader",
                      "--use-webgpu-adapter=swiftshader", "--use-angle=swiftshader")


def open_browser(page, *flags):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900",
                 *flags):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.get(page)
    return driver


@pytest.fixture(scope="module")
def browser(page):
    driver = open_browser(page)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def photo():
    return imageio.read_image(os.path.join(REPO, "samples", "sice_1489.jpg"))[0]


def png(image, path):
    """The image as an 8-bit PNG file (what the page and gladnet-enhance both read); its pixels."""
    cv2.imwrite(str(path), np.round(image[..., ::-1] * 255).astype(np.uint8))
    return imageio.read_image(str(path))[0]


def enhance_in_page(browser, page, path, row_step=1, cancel_after_ms=0):
    """The page's result for a file served beside it (the test copies it into web/)."""
    name = f"_test_{os.path.basename(path)}"
    shutil.copy(path, os.path.join(web.WEB, name))
    try:
        browser.execute_script(ENHANCE, page + name, row_step, cancel_after_ms)
        deadline = time.monotonic() + 1800
        while (result := browser.execute_script("return window.testResult")) is None:
            assert time.monotonic() < deadline, "the page did not finish in 30 minutes"
            time.sleep(0.5)
    finally:
        os.remove(os.path.join(web.WEB, name))
    if "output" in result:
        rows = np.frombuffer(base64.b64decode(result["output"]), np.uint8)
        result["output"] = rows.reshape(-1, result["width"], 4).astype(np.float32)
        result["height"] = result.pop("full_height")
    return result


def expected_rows(image, row_step):
    output = Enhancer(shipped_weights())(image)  # gladnet-enhance's pixels (tiled where it must)
    return np.round(output[::row_step] * 255)


def test_portrait_photo_matches_gladnet_enhance(browser, page, photo, tmp_path):
    """A portrait photo at full size: every pixel within 2/255 of gladnet-enhance's."""
    image = png(cv2.resize(photo, (450, 600), interpolation=cv2.INTER_AREA), tmp_path / "portrait.png")
    result = enhance_in_page(browser, page, tmp_path / "portrait.png")
    assert "error" not in result, result.get("note")
    assert (result["height"], result["width"]) == (600, 450) and result["download"]
    assert np.all(result["output"][..., 3] == 255)
    assert np.abs(result["output"][..., :3] - expected_rows(image, 1)).max() <= 2
    assert result["backend"] == "webgpu" or result["backend"].startswith("wasm, ")
    assert "1 thread" not in result["backend"]  # cross-origin isolated: WebAssembly threads
    assert "Ready: LiteRT.js on" in result["status"]
    print(f"450x600: {result['seconds']:.1f} s on {result['backend']}")
    folder = os.environ.get("GLADNET_SCREENSHOT", str(tmp_path))
    assert browser.save_screenshot(os.path.join(REPO, folder, "web_demo.png"))


def test_twelve_megapixels_match_gladnet_enhance(browser, page, photo, tmp_path):
    """A 12 MP photo (4000x3000, over 4 MP and many tiles) runs to the end without running out of
    memory, full size; every 8th row compared, each pixel within 2/255 of gladnet-enhance's."""
    image = png(cv2.resize(photo, (4000, 3000), interpolation=cv2.INTER_CUBIC).clip(0, 1), tmp_path / "12mp.png")
    result = enhance_in_page(browser, page, tmp_path / "12mp.png", row_step=8)
    assert "error" not in result, result.get("note")
    assert (result["height"], result["width"]) == (3000, 4000) and result["output"].shape[0] == 375
    assert result["download"]
    assert np.abs(result["output"][..., :3] - expected_rows(image, 8)).max() <= 2
    print(f"12 MP: {result['seconds']:.1f} s on {result['backend']}")


def test_phone_photo_is_enhanced_upright(browser, page, photo, tmp_path):
    """A JPEG whose pixels lie on their side with EXIF orientation 6, as phones write portrait
    photos: the page enhances it upright, as gladnet-enhance does (browsers' JPEG decoders may
    round differently from gladnet-enhance's accurate IDCT, hence the mean)."""
    sideways = np.round(cv2.resize(photo, (320, 240), interpolation=cv2.INTER_AREA)[..., ::-1] * 255)
    jpeg = cv2.imencode(".jpg", sideways.astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 100])[1].tobytes()
    exif = b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01\0\x06\0\0\0\0\0\0"
    (tmp_path / "phone.jpg").write_bytes(jpeg[:2] + b"\xff\xe1" + (len(exif) + 2).to_bytes(2, "big") + exif + jpeg[2:])
    result = enhance_in_page(browser, page, tmp_path / "phone.jpg")
    assert "error" not in result, result.get("note")
    assert (result["height"], result["width"]) == (320, 240)
    expected = expected_rows(imageio.read_image(str(tmp_path / "phone.jpg"))[0], 1)
    assert np.abs(result["output"][..., :3] - expected).mean() < 1.5


def test_bad_inputs_and_cancel_end_in_one_line_with_nothing_to_download(browser, page, photo, tmp_path):
    (tmp_path / "notes.jpg").write_text("not a photo")
    result = enhance_in_page(browser, page, tmp_path / "notes.jpg")
    assert result["note"] == "_test_notes.jpg: could not be enhanced (not an image this browser can read)."
    assert not result["download"]
    cv2.imwrite(str(tmp_path / "huge.png"), np.zeros((7100, 7100, 3), np.uint8))  # 50.4 MP
    result = enhance_in_page(browser, page, tmp_path / "huge.png")
    assert "over the 50 MP this page holds in memory" in result["note"] and "\n" not in result["note"]
    assert not result["download"]
    png(cv2.resize(photo, (1600, 1200)).clip(0, 1), tmp_path / "slow.png")
    result = enhance_in_page(browser, page, tmp_path / "slow.png", cancel_after_ms=1500)
    assert result.get("note") == "_test_slow.png: cancelled." and not result["download"]


def test_int8_detail_model_holds_40_db(browser, page, photo, tmp_path):
    """?detail=int8 (for CPUs where int8 pays, docs/android.md): within 40 dB of gladnet-enhance."""
    image = png(cv2.resize(photo, (450, 600), interpolation=cv2.INTER_AREA), tmp_path / "portrait.png")
    browser.get(page + "?detail=int8")
    try:
        result = enhance_in_page(browser, page, tmp_path / "portrait.png")
    finally:
        browser.get(page)
    assert "error" not in result, result.get("note")
    error = np.mean((result["output"][..., :3] - expected_rows(image, 1)) ** 2) / 255 ** 2
    assert 10 * np.log10(1 / error) >= 40
    assert np.abs(result["output"][..., :3] - expected_rows(image, 1)).max() > 2  # int8 indeed


def test_webgpu_backend_matches_gladnet_enhance(page, photo, tmp_path):
    """Where the browser offers WebGPU the page runs both models there: here Chromium's SwiftShader
    adapter stands in for a GPU; a wide photo over two windows, within 2/255 of gladnet-enhance."""
    image = png(cv2.resize(photo, (640, 180), interpolation=cv2.INTER_AREA), tmp_path / "small.png")
    driver = open_browser(page, *SWIFTSHADER_WEBGPU)
    try:
        result = enhance_in_page(driver, page, tmp_path / "small.png")
    finally:
        driver.quit()
    assert "error" not in result, result.get("note")
    assert result["backend"] == "webgpu" and result["status"].startswith("Ready: LiteRT.js on WebGPU")
    assert np.abs(result["output"][..., :3] - expected_rows(image, 1)).max() <= 2
    print(f"640x180 on WebGPU (SwiftShader): {result['seconds']:.1f} s")
