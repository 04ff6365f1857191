"""gladnet-web: serve the in-browser demo (web/) on this machine.

    gladnet-web [--port 8000] [--weights W]

Installs the page's npm dependencies (LiteRT.js, with its WebAssembly files) when they are
missing, exports the split pair of TFLite models the page runs (web/model/: the global branch and
the detail branch on 256x256 tiles, with the byte offsets of its window's size in a .json beside
it: the page fits the tiles to each photo) from the shipped or given weights, and serves web/ on
http://127.0.0.1:PORT/ until interrupted, cross-origin isolated (so WebAssembly may use threads).
Needs a source checkout (the web/ folder) and npm.
"""
import argparse
import functools
import http.server
import json
import os
import subprocess
import sys

WEB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web")
TILE = 256  # the window the detail models are exported with (web/app.js resizes it per photo)
LARGEST = 512  # the page's largest window side: as web/app.js
# The pair, and the int8 detail model the page runs with ?detail=int8.
MODELS = [os.path.join(WEB, "model", name) for name in ("gladnet_global_fp32.tflite",
                                                        f"gladnet_detail_fp32_{TILE}x{TILE}.tflite",
                                                        f"gladnet_detail_int8_{TILE}x{TILE}.tflite")]
OFFSETS = [path.replace(".tflite", ".json") for path in MODELS[1:]]
# Cross-origin isolation: without it browsers withhold SharedArrayBuffer, so no WebAssembly threads.
ISOLATION_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp"}


class WebError(RuntimeError):
    """The demo cannot be prepared; the message says why."""


def prepare(weights=None, overwrite=False):
    """npm dependencies and the page's TFLite pair, made when missing, older than the weights,
    or asked; returns the pair's paths."""
    if not os.path.isdir(WEB):
        raise WebError(f"{WEB}: not found (gladnet-web needs a source checkout)")
    if not os.path.isdir(os.path.join(WEB, "node_modules", "@litertjs", "core")):
        try:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            raise WebError(f"npm ci in {WEB} failed ({error}); install Node.js and npm") from None
    from gladnet_tf.inference import shipped_weights
    weights = weights or shipped_weights()
    if overwrite or not all(os.path.exists(m) and os.path.getmtime(m) >= os.path.getmtime(weights)
                            for m in MODELS + OFFSETS):
        from gladnet_tf import export, tflite_model
        from gladnet_tf.atomic import atomic_path
        model = export.load_model(weights)
        contents = [*export.convert_pair(model, "fp32", TILE), export.convert_pair(model, "int8", TILE)[1]]
        offsets = [json.dumps(tflite_model.window_offsets(c, TILE)).encode() for c in contents[1:]]
        for path, content in zip(MODELS + OFFSETS, contents + offsets):
            with atomic_path(path, overwrite=True) as tmp, open(tmp, "wb") as handle:
                handle.write(content)
    return MODELS


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, with WebAssembly and JavaScript modules served under their MIME types, and
    the page cross-origin isolated."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript"}

    def end_headers(self):
        for name, value in ISOLATION_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args):  # quiet: the page's requests are not news
        pass


def server(port):
    """An HTTP server for web/ on 127.0.0.1."""
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=WEB))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="gladnet-web", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--weights", help="Keras .weights.h5 (default: the shipped weights)")
    parser.add_argument("--overwrite", action="store_true", help="export the page's model again")
    args = parser.parse_args(argv)
    try:
        prepare(args.weights, args.overwrite or bool(args.weights))
        httpd = server(args.port)
    except (WebError, OSError) as error:
        sys.exit(f"gladnet-web: error: {error}")
    print(f"GLADNet demo on http://127.0.0.1:{args.port}/ (Ctrl+C stops it)", flush=True)
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
