"""Which engine runs the network for gladnet-enhance and the Beam pipeline: TensorFlow
(`inference.Enhancer`, float32 or bfloat16) or LiteRT (`tflite_engine.LiteEnhancer`, float32,
XNNPACK). Both tile any photo exactly and give the same pixels (within 1/255; tests/test_engine.py).

`auto` takes the faster on this CPU (bench/inference.py and bench/web.py time both side by side):
TensorFlow on CPUs with AVX-512 (oneDNN; in bfloat16 where native, 2.1x float32, and even in
float32 ahead of XNNPACK there: 1.25 against 1.38 s at 600x400 on an AMD EPYC), LiteRT on
AVX2-only CPUs, where XNNPACK's float32 convolutions ran 1.3-1.8x faster than TensorFlow's
(measured on the issue tracker's 2-core AVX2 machine, not on this project's benches).
"""
from gladnet_tf import cpu

ENGINES = ("auto", "tf", "tflite")


class EngineError(ValueError):
    """An engine and precision that do not go together; the message says why."""


def resolve(engine, precision, flags=None):
    """(engine, precision, warning or None) to run for the requested --engine and --precision."""
    if engine not in ENGINES:
        raise EngineError(f"engine {engine!r}: expected one of {', '.join(ENGINES)}")
    if engine == "tflite" and precision == "bfloat16":
        raise EngineError("the tflite engine runs float32 only (--precision float32 or auto)")
    if engine == "auto":
        flags = cpu.cpu_flags() if flags is None else flags
        engine = "tf" if precision == "bfloat16" or "avx512f" in flags else "tflite"
    if engine == "tflite":
        return engine, "float32", None
    return (engine, *cpu.resolve_precision(precision, flags))


def load(weights, engine="auto", precision="auto", memory_mb=None):
    """An enhancer (callable on float32 images, with `global_features` and `with_features` for
    video) on the engine `resolve` picks; returns (enhancer, engine, precision, warning)."""
    from gladnet_tf.inference import DEFAULT_MEMORY_MB, Enhancer
    engine, precision, warning = resolve(engine, precision)
    if engine == "tflite" and weights is not None:  # no weights (untrained): TensorFlow's initialiser
        from gladnet_tf.tflite_engine import LiteEnhancer
        return LiteEnhancer(weights, memory_mb=memory_mb or DEFAULT_MEMORY_MB), engine, precision, warning
    engine = "tf"
    return Enhancer(weights, precision, memory_mb or DEFAULT_MEMORY_MB), engine, precision, warning
