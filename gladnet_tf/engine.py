"""Which engine runs the network for gladnet-enhance and the Beam pipeline: TensorFlow
(`inference.Enhancer`, float32 or bfloat16) or LiteRT (`tflite_engine.LiteEnhancer`, float32,
XNNPACK). Both tile any photo exactly and give the same pixels (within 1/255; tests/test_engine.py).

`auto` takes the faster on this CPU (bench/inference.py and bench/bigphoto.py time both side by
side): TensorFlow in bfloat16 where the CPU computes it natively (AVX512-BF16, AMX), LiteRT in
float32 elsewhere (AVX2: XNNPACK's float32 convolutions beat oneDNN's there).
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
        engine = "tf" if precision == "bfloat16" or (precision == "auto" and cpu.native_bf16(flags)) else "tflite"
    if engine == "tflite":
        return engine, "float32", None
    return (engine, *cpu.resolve_precision(precision, flags))


def load(weights, engine="auto", precision="auto", memory_mb=None):
    """An enhancer (callable on float32 images, with `global_features` and `with_features` for
    video) on the engine `resolve` picks; returns (enhancer, engine, precision, warning)."""
    engine, precision, warning = resolve(engine, precision)
    if engine == "tflite" and weights is not None:  # no weights (untrained): TensorFlow's initialiser
        from gladnet_tf.tflite_engine import LiteEnhancer
        return LiteEnhancer(weights), engine, precision, warning
    engine = "tf"
    from gladnet_tf.inference import DEFAULT_MEMORY_MB, Enhancer
    return Enhancer(weights, precision, memory_mb or DEFAULT_MEMORY_MB), engine, precision, warning
