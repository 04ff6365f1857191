"""gladnet-web: serve the in-browser demo (web/) on this machine.

    gladnet-web [--port 8000] [--weights W]

Installs the page's npm dependencies (LiteRT.js, with its WebAssembly files) when they are
missing, exports the fixed-size TFLite model the page runs (web/model/) from the shipped or given
weights, and serves web/ on http://127.0.0.1:PORT/ until interrupted. Needs a source checkout
(the web/ folder) and npm.
"""
import argparse
import functools
import http.server
import os
import subprocess
import sys

WEB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "web")
MODEL_SIZE = (384, 512)  # height, width: as web/app.js
MODEL = os.path.join(WEB, "model", f"gladnet_fp32_{MODEL_SIZE[0]}x{MODEL_SIZE[1]}.tflite")


class WebError(RuntimeError):
    """The demo cannot be prepared; the message says why."""


def prepare(weights=None, overwrite=False):
    """npm dependencies and the page's TFLite model, made when missing, older than the weights,
    or asked."""
    if not os.path.isdir(WEB):
        raise WebError(f"{WEB}: not found (gladnet-web needs a source checkout)")
    if not os.path.isdir(os.path.join(WEB, "node_modules", "@litertjs", "core")):
        try:
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WEB, check=True)
        except (OSError, subprocess.CalledProcessError) as error:
            raise WebError(f"npm ci in {WEB} failed ({error}); install Node.js and npm") from None
    from gladnet_tf.inference import shipped_weights
    weights = weights or shipped_weights()
    if overwrite or not os.path.exists(MODEL) or os.path.getmtime(MODEL) < os.path.getmtime(weights):
        from gladnet_tf import export
        from gladnet_tf.atomic import atomic_path
        model = export.load_model(weights)
        with atomic_path(MODEL, overwrite=True) as tmp, open(tmp, "wb") as handle:
            handle.write(export.convert_tflite(model, "fp32", MODEL_SIZE))
    return MODEL


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, with WebAssembly and JavaScript modules served under their MIME types."""
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".wasm": "application/wasm", ".js": "text/javascript", ".mjs": "text/javascript"}

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
