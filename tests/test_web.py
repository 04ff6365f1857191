"""The in-browser demo in a real browser: Debian's headless Chromium opens the page served on
127.0.0.1, LiteRT.js enhances a photo, and the page's input is the photo while its pixels match
gladnet-enhance's within 2/255. Needs chromium, chromium-driver and npm (.ci/run
installs them); writes the page's screenshot (docs/web_demo.png with GLADNET_SCREENSHOT=docs)."""
import base64
import os
import shutil
import threading

import numpy as np
import pytest

from gladnet_tf import web

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and DRIVER and shutil.which("npm")),
                                reason="needs Debian's chromium and chromium-driver, and npm")

ENHANCE = """
const [url, done] = arguments;
const b64 = (array) => {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 32768) text += String.fromCharCode(...bytes.subarray(i, i + 32768));
  return btoa(text);
};
window.gladnet.ready
  .then(() => window.gladnet.enhanceUrl(url))
  .then((r) => done({input: b64(r.input), output: b64(r.output), width: r.width, height: r.height,
                     backend: r.backend, status: document.getElementById('status').textContent}))
  .catch((error) => done({error: String(error)}));
"""


@pytest.fixture(scope="module")
def page():
    web.prepare()
    httpd = web.server(0)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(300)
    yield driver
    driver.quit()


def test_page_enhances_a_photo_as_gladnet_enhance_does(page, browser, tmp_path):
    """A 4:3 photo at the model's size (no scaling, no padding): the page's input tensor is the
    photo as Python decodes it, and its output is gladnet-enhance's (and the Python TFLite
    interpreter's on that input) within 2/255."""
    import cv2
    from ai_edge_litert.interpreter import Interpreter

    from gladnet_tf import imageio
    from gladnet_tf.inference import Enhancer, shipped_weights

    height, width = web.MODEL_SIZE
    photo = imageio.read_image(os.path.join(REPO, "samples", "sice_1489.jpg"))[0]
    photo = cv2.resize(photo, (width, width), interpolation=cv2.INTER_AREA)[:height]
    encoded = cv2.imencode(".png", np.round(photo[..., ::-1] * 255).astype(np.uint8))[1].tobytes()
    photo = np.round(photo * 255) / 255  # what the PNG holds
    browser.get(page)
    result = browser.execute_async_script(ENHANCE, "data:image/png;base64," + base64.b64encode(encoded).decode())
    assert "error" not in result, result.get("error")
    assert (result["height"], result["width"]) == (height, width)
    page_input = np.frombuffer(base64.b64decode(result["input"]), np.float32).reshape(1, height, width, 3)
    page_output = np.frombuffer(base64.b64decode(result["output"]), np.float32).reshape(height, width, 3)
    assert np.abs(page_input[0] - photo).max() <= 1 / 255 + 1e-6  # not black, swapped or scaled
    to8 = lambda x: np.round(np.clip(x, 0, 1) * 255)  # noqa: E731
    expected = Enhancer(shipped_weights())(photo)
    assert np.abs(to8(page_output) - to8(expected)).max() <= 2
    interpreter = Interpreter(model_path=web.MODEL)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], page_input)
    interpreter.invoke()
    assert np.abs(to8(page_output) - to8(interpreter.get_tensor(
        interpreter.get_output_details()[0]["index"])[0])).max() <= 2
    assert result["backend"] in ("wasm", "webgpu") and "Ready: LiteRT.js on" in result["status"]
    print(f"backend: {result['backend']}")
    folder = os.environ.get("GLADNET_SCREENSHOT", str(tmp_path))
    shot = os.path.join(REPO, folder, "web_demo.png") if not os.path.isabs(folder) else os.path.join(folder, "web_demo.png")
    assert browser.save_screenshot(shot)
