"""bench/web.py's WebAssembly peak loop does the FLOPs it counts: run in Node, every one of its
accumulators takes one multiply-add a round (acc = acc * 0.5 + 1, from 0), fused or not."""
import base64
import shutil
import subprocess

import pytest

from bench import web as bench_web

RUN = """
const module = new WebAssembly.Module(Buffer.from(process.argv[1], 'base64'));
const run = new WebAssembly.Instance(module).exports.run;
console.log(JSON.stringify([1, 2, 5].map((rounds) => run(rounds))));
"""


@pytest.mark.skipif(not shutil.which("node"), reason="needs node")
@pytest.mark.parametrize("fused", [True, False])
def test_simd_peak_loop_counts_its_flops(fused):
    module = base64.b64encode(bench_web.simd_peak_module(fused)).decode()
    # Node 20 ships relaxed SIMD behind a flag; later versions have it on and may drop the flag
    flags = subprocess.run(["node", "--v8-options"], capture_output=True, text=True, check=True).stdout
    relaxed = ["--experimental-wasm-relaxed-simd"] if "--experimental-wasm-relaxed-simd" in flags else []
    out = subprocess.run(["node", *relaxed, "-e", RUN, module], capture_output=True, text=True, check=True).stdout
    sums = [float(v) for v in out.strip().strip("[]").split(",")]
    assert sums == [bench_web.ACCUMULATORS * (2 - 2 * 0.5 ** n) for n in (1, 2, 5)]
    assert bench_web.FLOP_PER_ROUND == bench_web.ACCUMULATORS * 4 * 2
