"""bfloat16 only where the CPU computes it natively, and exact enough there."""
import glob
import os

import numpy as np

from gladnet_tf import cpu, enhance, imageio
from gladnet_tf.inference import Enhancer, shipped_weights

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AVX2_ONLY = frozenset("fpu sse2 avx avx2 fma".split())
SAPPHIRE_RAPIDS = AVX2_ONLY | {"avx512f", "avx512_bf16", "amx_bf16"}


def test_flags_are_read_from_cpuinfo(tmp_path):
    (tmp_path / "cpuinfo").write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\nbugs\t: none\n")
    assert cpu.cpu_flags(str(tmp_path / "cpuinfo")) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu.cpu_flags(str(tmp_path / "missing")) == frozenset()


def test_precision_rule():
    assert cpu.resolve_precision("auto", SAPPHIRE_RAPIDS) == ("bfloat16", None)
    assert cpu.resolve_precision("auto", AVX2_ONLY) == ("float32", None)
    assert cpu.resolve_precision("float32", SAPPHIRE_RAPIDS) == ("float32", None)
    precision, warning = cpu.resolve_precision("bfloat16", AVX2_ONLY)
    assert precision == "bfloat16" and "no native bfloat16" in warning
    assert cpu.resolve_precision("auto", frozenset({"amx_bf16"}))[0] == "bfloat16"


def test_cli_warns_in_one_line_on_a_cpu_without_native_bfloat16(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cpu, "cpu_flags", lambda: AVX2_ONLY)
    sample = os.path.join(REPO, "samples", "sice_958.jpg")
    assert enhance.main([sample, "--output-dir", str(tmp_path), "--precision", "bfloat16"]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if "warning" in line]
    assert warnings == [f"gladnet-enhance: warning: {cpu.WARNING}"]


def test_bfloat16_is_exact_where_native():
    """bfloat16, forced whatever the CPU: the shipped weights' 8-bit outputs on real photos stay
    >= 45 dB from float32 where the CPU computes it natively (where auto picks it); elsewhere
    (emulated, never picked by auto) >= 25 dB."""
    full, half = Enhancer(shipped_weights(), "float32"), Enhancer(shipped_weights(), "bfloat16")
    assert {layer.compute_dtype for layer in half.model.layers if layer.weights} == {"bfloat16"}
    floor = 45 if cpu.native_bf16() else 25
    for path in sorted(glob.glob(os.path.join(REPO, "samples", "sice_*.jpg")))[:3]:
        image = imageio.read_image(path)[0]
        a = imageio.to_uint(full(image), 8).astype(float)
        b = imageio.to_uint(half(image), 8).astype(float)
        assert np.abs(a - b).max() > 0, path  # bfloat16 really ran
        assert 10 * np.log10(255 ** 2 / max(np.mean((a - b) ** 2), 1e-10)) >= floor, path


def test_fast_widths_are_asked_for_only_by_bfloat16_on_amx():
    assert cpu.width_multiple("bfloat16", frozenset({"amx_bf16", "avx512_bf16"})) == 16
    assert cpu.width_multiple("bfloat16", frozenset({"avx512_bf16"})) == 1
    assert cpu.width_multiple("float32", frozenset({"amx_bf16"})) == 1
