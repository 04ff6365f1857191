"""The in-browser demo in a real browser: Debian's headless Chromium opens the page served on
127.0.0.1, LiteRT.js enhances a bundled sample, and the page's pixels match the Python TFLite
interpreter on the same input within 2/255. Needs chromium, chromium-driver and npm (.ci/run
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


def test_page_enhances_a_sample_like_the_python_interpreter(page, browser, tmp_path):
    from ai_edge_litert.interpreter import Interpreter

    browser.get(page)
    with open(os.path.join(REPO, "samples", "sice_1489.jpg"), "rb") as handle:
        url = "data:image/jpeg;base64," + base64.b64encode(handle.read()).decode()
    result = browser.execute_async_script(ENHANCE, url)
    assert "error" not in result, result.get("error")
    height, width = web.MODEL_SIZE
    page_input = np.frombuffer(base64.b64decode(result["input"]), np.float32).reshape(1, height, width, 3)
    page_output = np.frombuffer(base64.b64decode(result["output"]), np.float32).reshape(height, width, 3)
    interpreter = Interpreter(model_path=web.MODEL)
    interpreter.allocate_tensors()
    interpreter.set_tensor(interpreter.get_input_details()[0]["index"], page_input)
    interpreter.invoke()
    expected = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])[0]
    region = (slice(0, result["height"]), slice(0, result["width"]))
    to8 = lambda x: np.round(np.clip(x[region], 0, 1) * 255)  # noqa: E731
    assert np.abs(to8(page_output) - to8(expected)).max() <= 2
    assert page_output[region].mean() > 1.5 * page_input[0][region].mean()  # it did brighten
    assert result["backend"] in ("wasm", "webgpu") and "Ready: LiteRT.js on" in result["status"]
    print(f"backend: {result['backend']}")
    folder = os.environ.get("GLADNET_SCREENSHOT", str(tmp_path))
    shot = os.path.join(REPO, folder, "web_demo.png") if not os.path.isabs(folder) else os.path.join(folder, "web_demo.png")
    assert browser.save_screenshot(shot)
