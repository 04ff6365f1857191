"""Which ops of a .tflite model the TFLite GPU delegate would leave to the CPU.

`tf.lite.experimental.Analyzer(gpu_compatibility=True)` reports every model compatible in TF 2.21,
even one made of UNIQUE or NON_MAX_SUPPRESSION ops, so it cannot be the check. This module reads
the flatbuffer and applies the delegate's own rules, from TFLite's
`tools/versioning/gpu_compatibility.cc` (`CheckGpuDelegateCompatibility`): in full for the op
types GLADNet's exports hold (CONV_2D, ADD, CONCATENATION, RESIZE_NEAREST_NEIGHBOR, DEQUANTIZE,
QUANTIZE), simplified for a few more an image network may hold; an op type not in `RULES` counts
as unsupported, as it does there. On top, the delegate's model-wide limits: tensors of at most 4 dimensions and
static shapes (a `-1` in a shape signature is resolved only when the interpreter allocates,
after the delegate has partitioned the graph).

    python -m gladnet_tf.gpu_compat exports/tflite/*.tflite
"""
import sys

import numpy as np
from tensorflow.lite.python import schema_py_generated as schema

from gladnet_tf import tflite_model
SUPPORTED_ACTIVATIONS = {schema.ActivationFunctionType.NONE, schema.ActivationFunctionType.RELU,
                         schema.ActivationFunctionType.RELU_N1_TO_1, schema.ActivationFunctionType.RELU6,
                         schema.ActivationFunctionType.TANH}


class Op:
    """One operator with what the rules look at: its inputs (constant or not), outputs, options."""

    def __init__(self, model, graph, operator, produced):
        self.name = tflite_model.op_type(model, operator)
        inputs = [i for i in operator.inputs if i >= 0]  # -1: an omitted optional input
        self.inputs = [graph.tensors[i] for i in inputs]
        self.runtime_inputs = [graph.tensors[i] for i in inputs if i in produced]
        self.outputs = [graph.tensors[i] for i in operator.outputs]
        self.options = operator.builtinOptions

    def reason_if(self, condition, reason):
        return [reason] if condition else []


def _conv(op):
    o = op.options
    return (op.reason_if(len(op.runtime_inputs) > 2, "more than 2 runtime inputs")
            + op.reason_if(len(op.outputs) != 1, "not 1 output")
            + op.reason_if(min(o.strideH, o.strideW) <= 0, "non-positive stride")
            + op.reason_if(min(getattr(o, "dilationHFactor", 1), getattr(o, "dilationWFactor", 1)) <= 0,
                           "non-positive dilation")
            + op.reason_if(o.fusedActivationFunction not in SUPPORTED_ACTIVATIONS, "fused activation"))


def _broadcast(op):
    if len(op.inputs) != 2:
        return ["needs two inputs"]
    shapes = [list(t.shape if t.shape is not None else []) for t in op.inputs]
    a, b = sorted(shapes, key=len, reverse=True)
    ok = all(x == y or x == 1 or y == 1 for x, y in zip(a[::-1], b[::-1]))
    return op.reason_if(len(a) > 1 and len(b) > 1 and not ok, f"cannot broadcast {a} with {b}")


def _elementwise(op):
    activation = getattr(op.options, "fusedActivationFunction", schema.ActivationFunctionType.NONE)
    return _broadcast(op) + op.reason_if(activation not in SUPPORTED_ACTIVATIONS, "fused activation")


def _one_runtime_input(op):
    return (op.reason_if(len(op.runtime_inputs) != 1,
                         f"{len(op.runtime_inputs)} runtime inputs (needs 1, the rest constant)")
            + op.reason_if(len(op.outputs) != 1, "not 1 output"))


def _resize_bilinear(op):
    both = op.options.alignCorners and op.options.halfPixelCenters
    return _one_runtime_input(op) + op.reason_if(both, "align_corners with half_pixel_centers")


def _dequantize(op):
    return op.reason_if(op.inputs[0].type == schema.TensorType.INT16, "int16 input")


def _pad(op):
    paddings = op.inputs[1].shape if len(op.inputs) > 1 else None
    return _one_runtime_input(op) + op.reason_if(
        paddings is None or list(paddings) not in ([4, 2], [3, 2]), "paddings not 4x2 or 3x2")


def _softmax(op):
    return op.reason_if(op.options.beta != 1, "beta != 1")


def _always(op):
    return []


RULES = {
    "ADD": _elementwise, "SUB": _elementwise, "MUL": _elementwise, "DIV": _elementwise,
    "MAXIMUM": _elementwise, "MINIMUM": _elementwise,
    "CONV_2D": _conv, "DEPTHWISE_CONV_2D": _conv, "TRANSPOSE_CONV": _always,
    "CONCATENATION": _always, "RESHAPE": _one_runtime_input,
    "RESIZE_NEAREST_NEIGHBOR": _one_runtime_input, "RESIZE_BILINEAR": _resize_bilinear,
    "DEQUANTIZE": _dequantize, "QUANTIZE": _one_runtime_input,
    "RELU": _always, "RELU6": _always, "LEAKY_RELU": _always, "PRELU": _always,
    "LOGISTIC": _always, "TANH": _always, "HARD_SWISH": _always,
    "AVERAGE_POOL_2D": _always, "MAX_POOL_2D": _always,
    "PAD": _pad, "PADV2": _pad, "SOFTMAX": _softmax,
}


def _ops(model, graph):
    """The graph's operators as `Op`s. Constants: inputs that are neither graph inputs nor op
    outputs, and the outputs of DEQUANTIZE ops on constants (fp16 weights: the delegate takes
    them as constants, as its FP16GraphPartitionHelper does)."""
    produced = set(graph.inputs)
    for operator in graph.operators:
        is_dequantize = tflite_model.op_type(model, operator) == "DEQUANTIZE"
        if not (is_dequantize and not produced.intersection(operator.inputs)):
            produced.update(operator.outputs)
    return [Op(model, graph, operator, produced) for operator in graph.operators]


def findings(source):
    """(op type or None for a tensor, line) for each reason the GPU delegate would not take the
    whole model; [] if it would. `source`: a .tflite path or its bytes."""
    model = tflite_model.read(source)
    found = []
    for graph in model.subgraphs:
        for tensor in graph.tensors:
            signature = tensor.shapeSignature if tensor.shapeSignature is not None else tensor.shape
            name = tensor.name.decode()
            if signature is not None and np.any(np.asarray(signature) < 0):
                found.append((None, f"tensor {name}: dynamic shape {[int(d) for d in signature]}"))
            if tensor.shape is not None and len(tensor.shape) > 4:
                found.append((None, f"tensor {name}: {len(tensor.shape)} dimensions (at most 4)"))
        for index, op in enumerate(_ops(model, graph)):
            rule = RULES.get(op.name)
            reasons = rule(op) if rule else ["not supported by the GPU delegate"]
            found += [(op.name, f"op {index} {op.name}: {reason}") for reason in reasons]
    return found


def problems(source):
    """The lines of `findings`."""
    return [line for _, line in findings(source)]


def op_names(source):
    """The op types of a model (path or bytes), in order of first use."""
    model = tflite_model.read(source)
    return list(dict.fromkeys(op.name for graph in model.subgraphs for op in _ops(model, graph)))


def verdict(source):
    """One line: whether the GPU delegate takes the whole model, or what it leaves to the CPU."""
    found = findings(source)
    if not found:
        return "GPU delegate: takes every op"
    left = sorted({name for name, _ in found if name})
    dynamic = any(name is None for name, _ in found)
    return ("GPU delegate: leaves " + (", ".join(left) or "no op") + " to the CPU"
            + ("; dynamic shapes (export with --fixed_size for the GPU)" if dynamic else ""))


def main(argv=None):
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        sys.exit("usage: python -m gladnet_tf.gpu_compat MODEL.tflite...")
    failed = 0
    for path in paths:
        found = problems(path)
        print(f"{path}: ops {', '.join(op_names(path))}; {verdict(path)}")
        for line in found:
            print(f"  {line}")
        failed += bool(found)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
