"""Checks an ONNX file written by `export --onnx` with ONNX's own tools (Debian's python3-onnx):
the full checker, strict shape inference with type checks, opset >= 13, one input "input" whose
first dimension is symbolic, one output "logits" of shape (that same batch, classes), and the
operators the network must have become (and that Dropout left no trace).

Usage: python3 onnx_check.py MODEL.onnx CLASSES OP [OP...]
"""
import collections
import sys

import onnx
from onnx import checker, shape_inference


def fail(message):
    print(f"onnx_check: FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def main():
    path, classes, expected_ops = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    model = onnx.load(path)
    checker.check_model(model, full_check=True)
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)

    opset = {o.domain: o.version for o in model.opset_import}
    if opset.get("", 0) < 13:
        fail(f"default-domain opset {opset.get('', 0)} < 13")
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    if [i.name for i in inputs] != ["input"]:
        fail(f"inputs are {[i.name for i in inputs]}, expected ['input']")
    batch = inputs[0].type.tensor_type.shape.dim[0]
    if not batch.dim_param or batch.HasField("dim_value"):
        fail(f"the batch dimension of 'input' is not symbolic: {batch}")
    if inputs[0].type.tensor_type.elem_type != onnx.TensorProto.FLOAT:
        fail("'input' is not float32")
    if [o.name for o in inferred.graph.output] != ["logits"]:
        fail(f"outputs are {[o.name for o in inferred.graph.output]}, expected ['logits']")
    dims = inferred.graph.output[0].type.tensor_type.shape.dim
    if len(dims) != 2 or dims[0].dim_param != batch.dim_param or dims[1].dim_value != classes:
        fail(f"'logits' has shape {[d.dim_param or d.dim_value for d in dims]}, expected [{batch.dim_param}, {classes}]")

    ops = collections.Counter(node.op_type for node in model.graph.node)
    for op in expected_ops:
        if op not in ops:
            fail(f"no {op} node (nodes: {dict(ops)})")
    if "Dropout" in ops:
        fail("a Dropout node was exported (eval form is the identity)")
    input_dims = [d.dim_param or d.dim_value for d in inputs[0].type.tensor_type.shape.dim]
    print(f"onnx_check: {path}: full check and strict shape inference pass; opset {opset['']}, "
          f"input {input_dims} -> logits [{batch.dim_param}, {classes}]; nodes {dict(sorted(ops.items()))}")


if __name__ == "__main__":
    main()
