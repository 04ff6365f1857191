"""A .tflite file as TFLite's own schema objects: read, op types, write back; a fixed-window
model's window changed in place."""
import struct

import flatbuffers
from tensorflow.lite.python import schema_py_generated as schema

BUILTIN_NAMES = {value: name for name, value in vars(schema.BuiltinOperator).items()
                 if not name.startswith("_")}


def read(source):
    """The model (`schema.ModelT`) of a .tflite path or of its bytes."""
    if isinstance(source, (bytes, bytearray)):
        buffer = bytearray(source)
    else:
        with open(source, "rb") as handle:
            buffer = bytearray(handle.read())
    return schema.ModelT.InitFromObj(schema.Model.GetRootAsModel(buffer, 0))


def op_type(model, operator):
    """An operator's type name (`CONV_2D`, ...; `CUSTOM <name>` for custom ops). Builtin codes
    above 127 live only in `builtinCode`, older files keep theirs in `deprecatedBuiltinCode`."""
    code = model.operatorCodes[operator.opcodeIndex]
    name = BUILTIN_NAMES.get(max(code.builtinCode, code.deprecatedBuiltinCode), "CUSTOM")
    if name == "CUSTOM":
        name = f"CUSTOM {code.customCode.decode() if code.customCode else '?'}"
    return name


def to_bytes(model):
    """The .tflite bytes of a `schema.ModelT`."""
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=b"TFL3")
    return bytes(builder.Output())


def window_offsets(content, window):
    """Byte offsets, in a fixed-window model's .tflite bytes, of the window's height and of its
    width in the shape (and shape signature) of every tensor computed from the inputs:
    {"height": [...], "width": [...]}. Writing other sizes there (`resize_window`) gives the same
    model over another window, for runtimes that cannot resize inputs (LiteRT.js). Each such
    tensor must be [1, window, window, C] (convolutions, element-wise ops): a model that keeps
    its window anywhere else (a reshape's target, a size) is refused."""
    model = schema.Model.GetRootAsModel(content, 0)
    graph = model.Subgraphs(0)
    computed = set(graph.InputsAsNumpy().tolist())
    for index in range(graph.OperatorsLength()):  # in execution order; weights and their
        operator = graph.Operators(index)           # dequantised copies stay out
        if computed & set(operator.InputsAsNumpy().tolist()):
            computed |= set(operator.OutputsAsNumpy().tolist())
    offsets = {"height": [], "width": []}
    for index in sorted(computed):
        tensor = graph.Tensors(index)
        for field in (4, 18):  # the Tensor table's `shape` and `shape_signature` (schema.fbs)
            vector = tensor._tab.Offset(field)
            if not vector:
                continue
            start, rank = tensor._tab.Vector(vector), tensor._tab.VectorLen(vector)
            dims = struct.unpack_from(f"<{rank}i", content, start)
            if rank != 4 or dims[:3] != (1, window, window):
                raise ValueError(f"tensor {tensor.Name().decode()} {list(dims)}: not [1, {window}, "
                                 f"{window}, C]; its window cannot be changed in place")
            offsets["height"].append(start + 4)
            offsets["width"].append(start + 8)
    return offsets


def resize_window(content, offsets, height, width):
    """The .tflite bytes of a fixed-window model over a `height` x `width` window instead
    (`offsets` from `window_offsets`)."""
    resized = bytearray(content)
    for key, size in (("height", height), ("width", width)):
        for offset in offsets[key]:
            struct.pack_into("<i", resized, offset, size)
    return bytes(resized)
