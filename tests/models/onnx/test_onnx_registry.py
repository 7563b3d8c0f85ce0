"""The handler table: explicit, versioned, and covering the ONNX ops that
ONNX Runtime Web's WebNN execution provider maps."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import onnx
import onnx.defs

from webnnpy.models.onnx.handlers import HANDLERS, find_handler

#: the standard-domain ops ONNX Runtime Web's WebNN EP maps (its op builder
#: table), which the importer must map too: by a handler, or through the op's
#: ONNX function body
WEBNN_EP_OPS = """
Abs Add And ArgMax ArgMin AveragePool BatchNormalization Cast Ceil Clip Concat
Conv ConvInteger ConvTranspose Cos CumSum DepthToSpace DequantizeLinear Div
Dropout DynamicQuantizeLinear Einsum Elu Equal Erf Exp Expand Flatten Floor
Gather GatherElements GatherND Gelu Gemm GlobalAveragePool GlobalLpPool
GlobalMaxPool Greater GreaterOrEqual GRU HardSigmoid HardSwish Identity
InstanceNormalization IsInf IsNaN LayerNormalization LeakyRelu Less LessOrEqual
Log LpPool LRN LSTM MatMul MatMulInteger Max MaxPool Mean Min Mul Neg Not Or
Pad Pow PRelu QuantizeLinear Reciprocal ReduceL1 ReduceL2 ReduceLogSum
ReduceLogSumExp ReduceMax ReduceMean ReduceMin ReduceProd ReduceSum
ReduceSumSquare Relu Reshape Resize RotaryEmbedding Round ScatterElements
ScatterND Shape Sigmoid Sign SimplifiedLayerNormalization Sin Slice Softmax
Softplus Softsign SpaceToDepth Split Sqrt Squeeze Sub Sum Tan Tanh Tile
Transpose Trilu Unsqueeze Upsample Where Xor
""".split()


def _schema_versions() -> dict[tuple[str, str], list[int]]:
    out: dict[tuple[str, str], list[int]] = defaultdict(list)
    for s in onnx.defs.get_all_schemas_with_history():
        out[(s.domain, s.name)].append(s.since_version)
    return {k: sorted(v) for k, v in out.items()}


def _has_function(op: str) -> bool:
    try:
        s = onnx.defs.get_schema(op)
    except Exception:  # noqa: BLE001
        return False
    return bool(s.has_function or s.has_context_dependent_function)


def test_ranges_are_ordered_and_disjoint():
    for key, ranges in HANDLERS.items():
        spans = sorted((a, b) for a, b, _ in ranges)
        for a, b in spans:
            assert 1 <= a <= b, key
        for (_, b1), (a2, _) in pairwise(spans):
            assert b1 < a2, f"{key}: overlapping opset ranges {spans}"


def test_latest_schema_version_of_every_mapped_op_is_covered():
    """A new ONNX version of a mapped op must be reviewed (then its range
    extended): this fails when onnx adds one."""
    versions = _schema_versions()
    stale = []
    for key, ranges in HANDLERS.items():
        if ":" in key:
            continue
        vs = versions.get(("", key))
        if not vs:
            continue  # not an ONNX op (SimplifiedLayerNormalization is ORT's)
        top = max(b for _, b, _ in ranges)
        if top < vs[-1]:
            stale.append(f"{key}: maps up to {top}, onnx has {vs[-1]}")
    assert not stale, stale


def test_every_webnn_ep_op_is_mapped():
    missing = [op for op in WEBNN_EP_OPS
               if op not in HANDLERS and not _has_function(op)]
    assert not missing, missing
    assert len(WEBNN_EP_OPS) >= 100


def test_find_handler_explains():
    h, why = find_handler("", "TopK", 11)
    assert h is None and "no operator or decomposition" in why
    h, why = find_handler("", "Softmax", 13)
    assert h is not None and not why
    h, why = find_handler("", "Tile", 1)
    assert h is None and "version 1 is not supported" in why
