"""A .tflite file as TFLite's own schema objects: read, op types, write back."""
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
