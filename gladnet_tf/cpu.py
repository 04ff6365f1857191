"""Which precision suits this CPU: bfloat16 only where the CPU computes it natively.

With AVX512-BF16 or AMX-BF16, oneDNN runs bfloat16 convolutions about 2x faster than float32 and
the shipped weights' 8-bit outputs stay 52 dB or more from float32 on real photos
(bench/bf16_accuracy.py). On CPUs without them (AVX2 only), bfloat16 is emulated: no faster,
and reported at 26-29 dB there (not reproduced under qemu's Haswell emulation: 52-55 dB,
bench/RESULTS.md).
"""
NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})
WARNING = ("this CPU has no native bfloat16 (AVX512-BF16 or AMX-BF16): bfloat16 runs emulated here, "
           "no faster than float32, only less exact")


def cpu_flags(cpuinfo="/proc/cpuinfo"):
    """The CPU's feature flags (Linux); empty where /proc/cpuinfo is not readable."""
    try:
        with open(cpuinfo) as handle:
            for line in handle:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def native_bf16(flags=None):
    return bool(NATIVE_BF16_FLAGS & (cpu_flags() if flags is None else flags))


def resolve_precision(requested, flags=None):
    """(precision to use, warning or None) for a --precision of auto, float32 or bfloat16."""
    native = native_bf16(flags)
    if requested == "auto":
        return ("bfloat16" if native else "float32"), None
    if requested == "bfloat16" and not native:
        return "bfloat16", WARNING
    return requested, None


def strip_gradient_pays(precision, flags=None):
    """Whether the trainer's strip kernel gradient (gladnet_tf/strip_gradient.py) is the faster one
    here: not for bfloat16 on AMX, whose oneDNN kernel gradient is faster on the whole image
    (bench/train_step.py, 384 px: 2.79 against 3.33 s a step; AVX512-BF16 alone: 11.37 against 10.21)."""
    flags = cpu_flags() if flags is None else flags
    return not (precision == "mixed_bfloat16" and "amx_bf16" in flags)


def width_multiple(precision, flags=None):
    """The image widths that run at full speed are multiples of this: 16 for bfloat16 on AMX, where
    oneDNN's convolutions are up to 5x slower per pixel on some other widths (579 px: 2.64 s/MP
    against 0.53 at 576 and 0.54-0.62 at every multiple of 16 from 288 to 1024; float32 is flat,
    bench/RESULTS.md); 1 elsewhere."""
    flags = cpu_flags() if flags is None else flags
    return 16 if precision == "bfloat16" and "amx_bf16" in flags else 1
