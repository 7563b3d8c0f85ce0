"""Every deliberate difference between webnnpy's Python surface and the spec.

One list, each entry with its reason.  ``tests/test_api_surface.py`` fails on
any difference not declared here, and ``codegen/write_docs.py`` renders the
list into ``docs/differences.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["DIFFERENCES", "SPEC_READINGS", "Difference", "declared"]


@dataclass(frozen=True)
class Difference:
    """One declared difference: ``kind`` is "add" (not in the spec), "change"
    (there, but different) or "hide" (in the spec, left out); ``where`` is the
    Python name (``Class.member`` or ``Class.method(arg)``)."""

    kind: Literal["add", "change", "hide"]
    where: str
    reason: str


DIFFERENCES: tuple[Difference, ...] = (
    # --- additions
    Difference("add", "ML.create_context(backend)",
               "Choose the runtime by name (\"numpy\" is the exact reference); the "
               "default is the fastest installed backend or $WEBNNPY_BACKEND."),
    Difference("add", "MLContext.compute",
               "Run a graph on host arrays and get NumPy arrays back (creates the "
               "tensors, writes, dispatches, reads): the common case in Python "
               "scripts and tests. The spec removed compute() in favour of tensors. "
               "Unlike write_tensor, which checks only the byte length, each input "
               "array must have exactly the input's shape (a 0-D or one-element "
               "array for a scalar); raw bytes are checked by byte length."),
    Difference("add", "MLContext.backend",
               "The name of the backend that runs the context, for diagnostics."),
    Difference("add", "MLContext.backend_description",
               "A one-line description of the backend's runtime and device, as "
               "`webnnpy info` prints it."),
    Difference("add", "MLGraph.inputs",
               "The graph's input descriptors by name (the spec keeps them internal "
               "as [[inputDescriptors]]; the graph-cache explainer proposes exposing "
               "them); needed to bind tensors to a graph one did not build."),
    Difference("add", "MLGraph.outputs",
               "The graph's output descriptors by name, as MLGraph.inputs."),
    Difference("add", "MLDynamicDimension",
               "The dynamic-shape explainer (webnn#883, explainer PR #945) as an "
               "opt-in extension: an input's shape may hold {name, max_size} "
               "dimensions; ops are validated at the maxima when built and again "
               "for the sizes a dispatch or compute brings (TypeError naming the op); "
               "MLOperand.shape and MLGraph.inputs/outputs show the dynamic "
               "dimensions. Each combination of sizes is compiled once as a static "
               "graph. The explainer's shape-as-data *Dynamic operators are not "
               "provided. See docs/dynamic_shapes.md."),
    Difference("add", "MLGraph.compute_shapes",
               "The dynamic-shape explainer's computeShapes: the output shapes for "
               "given input shapes, by the shape inference a dispatch runs, without "
               "running the graph."),
    Difference("add", "MLContext.dynamic_graph_cache_size",
               "How many static graphs (one per combination of sizes) a graph with "
               "dynamic dimensions keeps compiled; least recently used first out."),
    Difference("add", "MLGraph.operator_count",
               "How many operators the builder recorded for the graph (0 for a "
               "graph from load_graph), for diagnostics."),
    Difference("add", "MLOperand.rank", "len(shape), for convenience."),
    Difference("add", "MLGraphBuilder.constant(array)",
               "constant(ndarray) takes the descriptor from the array's dtype and "
               "shape."),
    Difference("add", "MLContext.save_graph",
               "The WebNN MLGraph cache explainer's saveGraph (not in the spec): "
               "stores the backend's compiled form of a graph on disk under a key "
               "(docs/graph_cache.md); metadata= keeps a JSON dict with it."),
    Difference("add", "MLContext.save_graph_async",
               "Awaitable form of save_graph (the explainer's Promise)."),
    Difference("add", "MLContext.load_graph",
               "The graph-cache explainer's loadGraph: a graph saved by save_graph, "
               "ready to dispatch without a builder; NotFoundError for an unknown "
               "key, DataError for a corrupt, truncated or foreign entry."),
    Difference("add", "MLContext.load_graph_async",
               "Awaitable form of load_graph (the explainer's Promise)."),
    Difference("add", "MLContext.list_graphs",
               "The graph-cache explainer's listGraphs: the keys saved for this "
               "backend, runtime version and machine."),
    Difference("add", "MLContext.list_graphs_async",
               "Awaitable form of list_graphs (the explainer's Promise)."),
    Difference("add", "MLContext.delete_graph",
               "The graph-cache explainer's deleteGraph."),
    Difference("add", "MLOperandDataType int4 / uint4",
               "4-bit integers (int4: -8..7, uint4: 0..15), as Chromium 153 has them "
               "(spec text pending). Raw buffers hold them packed two a byte, element "
               "2k in bits 0-3 of byte k (ceil(n / 2) bytes, an odd count's last high "
               "nibble unused), as Chromium and WPT write them: constant(), "
               "create_constant_tensor(), write_tensor() and compute() take such "
               "uint8 bytes or an ml_dtypes int4/uint4 array (one element a byte), "
               "read_tensor() returns an ml_dtypes array or packs into a uint8 "
               "buffer; webnnpy.dtypes.pack_int4 / unpack_int4 convert. They are "
               "claimed (numpy and onnxruntime backends) for graph inputs, constants, "
               "outputs, cast, concat, dequantizeLinear (input, zeroPoint), expand, "
               "quantizeLinear (zeroPoint, output), reshape, slice and transpose. "
               "Chromium 153's LiteRT backend (this machine's) reports int4 only, for "
               "input/constant/output, concat, dequantizeLinear and reshape. Casts "
               "to them follow the cast reading: integers keep the low 4 bits, "
               "floats truncate and saturate, NaN gives 0."),
    # --- changes
    Difference("change", "MLContext.read_tensor",
               "Returns a NumPy array of the tensor's data type and shape instead of "
               "an ArrayBuffer (the array exposes the same bytes through the buffer "
               "protocol)."),
    Difference("change", "MLGraphBuilder.constant",
               "Python has no overloading: the three spec overloads are told apart by "
               "their arguments ((descriptor, buffer), (data_type, value), (tensor))."),
    Difference("change", "MLContext.create_tensor",
               "Runs the spec's dimension check (valid dimensions, supported rank and "
               "byte length) like create_constant_tensor does; the spec's steps omit "
               "it, which would allow zero-sized tensors."),
    Difference("change", "Promises",
               "Each Promise-returning method has a blocking form and an _async form "
               "that, like the spec's method, validates and queues its work when "
               "called and returns an MLPromise: a concurrent Future that is also "
               "awaitable (await it inside a coroutine, or block on .result()). "
               "MLContext.lost is an MLPromise too."),
    Difference("change", "MLOperand.shape",
               "A tuple (the spec's FrozenArray: immutable)."),
    Difference("change", "dispatch errors",
               "The spec reports no error from a dispatch that fails on the timeline "
               "(its issue 778); webnnpy logs it and a later read_tensor of the "
               "dispatch's outputs rejects with UnknownError, so stale data is never "
               "read silently."),
    # --- left out
    Difference("hide", "ML.create_context(gpu_device)",
               "There is no WebGPU GPUDevice in Python; contexts are created from "
               "options only."),
)


def declared(where: str) -> bool:
    """True when ``where`` is a declared difference."""
    return any(d.where == where for d in DIFFERENCES)


#: How webnnpy reads places where the spec's text slips or is silent:
#: (where, reading).
SPEC_READINGS: tuple[tuple[str, str], ...] = (
    ("isNaN / isInfinite",
     "The tensor-limits table says any data type, but the method steps throw "
     "unless the input is float32 or float16: webnnpy follows the steps."),
    ("cast algorithm (#algorithms-casting)",
     "The uint32 case calls ConvertToInt(x, 32, \"signed\"); webnnpy casts to uint32 "
     "as unsigned (range 0..2**32-1), as every other unsigned case does."),
    ("clamp",
     "The steps substitute +Infinity for a missing minValue and -Infinity for a "
     "missing maxValue, which would make min > max fail whenever a bound is omitted; "
     "webnnpy follows the prose: an omitted bound is not applied. Bounds are cast to "
     "the input type before the min <= max check."),
    ("cast",
     "The steps copy the input operand; the output has the requested dataType. "
     "float -> integer out of range (implementation-defined) saturates, NaN -> 0; "
     "integer -> integer keeps the low bits; -> float rounds to nearest even."),
    ("transpose", "The steps copy the input descriptor; the output shape is the "
     "input shape permuted."),
    ("gatherElements", "The steps copy the input descriptor; the output has the "
     "shape of indices, as the spec's examples show."),
    ("gather", "The limits table says output rank 1 to N, but a 1-D input with "
     "scalar indices gives a scalar (rank 0), which webnnpy allows."),
    ("gather / gatherElements / gatherND / scatterElements / scatterND",
     "Out-of-range indices (not checked at build time) are clamped to "
     "[-dim, dim-1], then negative ones count from the end: never a read or write "
     "outside a tensor. Duplicate scatter targets: the last in row-major order of "
     "indices wins."),
    ("scatterND", "The Returns text gives gatherND's rank formula; the output has "
     "the input's shape, as the steps say."),
    ("reverse", "The steps say \"return failure\" for bad axes; webnnpy throws "
     "TypeError."),
    ("tile", "The Returns text says \"reversed\"; the output is the tiled tensor. "
     "Output dimensions that would exceed a valid dimension throw TypeError."),
    ("averagePool2d / l2Pool2d / maxPool2d",
     "The steps require each outputSizes item to be smaller than the stride and "
     "reset padding to zeros when outputSizes is given; webnnpy applies neither: "
     "outputSizes must equal the rounded-down or rounded-up sizes computed with the "
     "given padding (the option's description). Padded positions are not counted "
     "in averages; a window covering no input element gives NaN (average), 0 (L2) "
     "or the type's lowest value (max)."),
    ("convTranspose2d", "The steps never check that the input channels are "
     "divisible by groups, which the filter layout presupposes; webnnpy's builder "
     "follows the steps (the output has filterOutputChannels * groups channels) "
     "and build() rejects such a graph with OperationError, as no computation is "
     "defined for it."),
    ("resample2d", "axes must have 2 items (the description's intent; the steps "
     "omit the length check). Linear interpolation of uint8/int8 rounds half to "
     "even, as the spec's cast does."),
    ("gru", "Unlike lstm, the steps have no \"steps is 0\" check although the "
     "argument text requires steps > 0; webnnpy checks it for both."),
    ("gru / lstm / gruCell / lstmCell (reference backend)",
     "The reference kernels keep every intermediate state in float64 and round "
     "each output once, more accurate than the spec's decomposition, which rounds "
     "at every op."),
    ("layerNormalization", "scale and bias dimension i is input dimension axes[i], "
     "as the steps say (the emulation note's plain broadcasting agrees only for "
     "trailing axes in increasing order)."),
    ("argMin / argMax", "Ties (implementation-dependent) give the first index; a "
     "NaN counts as the extreme value (the first NaN's index is returned)."),
    ("integer overflow", "Integer arithmetic, reductions and cumulativeSum wrap in "
     "the type's own width; integer division by zero gives 0 (both undefined in "
     "the spec)."),
    ("quantizeLinear / dequantizeLinear",
     "The steps register only input as the operator's input; webnnpy records all "
     "three operands. quantizeLinear of NaN gives 0, infinities saturate."),
    ("maxPool2d (NaN)",
     "The spec does not say how NaN compares. The reference propagates it, as "
     "reduceMax does (IEEE 754 maximum): a window holding a NaN gives NaN. The "
     "onnxruntime and openvino backends differ: their MaxPool skips NaN (the "
     "maximum of the window's other elements; when they are all NaN, NaN on "
     "onnxruntime and the lowest float32 on openvino, and the lowest float32 on "
     "onnxruntime when a window's real elements are all NaN and the rest is "
     "padding), as native OpenVINO does on the same model. Patching it "
     "with a NaN mask measured 1 to 3.5 ms on ResNet-50's single max pool (the "
     "network runs in about 49 ms), so it is left as this documented difference. "
     "For the same reason a float32 window whose real elements are all -inf and "
     "the rest padding gives the lowest float32 on onnxruntime (-inf on the "
     "reference): ONNX Runtime's MaxPool starts from the lowest value; padding "
     "explicitly with -inf measured 0.4 to 0.7 ms on ResNet-50's max pool input "
     "(float16 casts the lowest float32 to -inf and agrees)."),
    ("signed zeros",
     "The spec's formulas evaluated with IEEE arithmetic decide the sign of a "
     "zero result: a sum or mean of zeros is -0 only when every one is -0; gelu "
     "and hardSwish at -inf are -0 (their formulas give -0 for every x below "
     "-5.54 / at most -3); an exclusive cumulativeSum starts from +0. Two "
     "choices the spec leaves open: min / max of +0 and -0 and cumulativeSum "
     "(exclusive, -0) below. A zero made by rounding (an underflow) has no "
     "defined sign."),
    ("min / max of +0 and -0",
     "+0 and -0 compare equal, so either is the minimum and the maximum (as "
     "IEEE 754-2008 minNum / maxNum allow), also for reduceMin / reduceMax and "
     "relu (max(0, x) of -0): "
     "the reference returns the second operand, ONNX Runtime's Min / Max the "
     "first. Likewise elu with alpha 0 of x < 0 (alpha * (exp(x) - 1) = -0 on "
     "the reference; relu(x) + ... = +0 in ONNX Runtime's float32 lowering). Choosing -0 for min (IEEE "
     "754-2019 minimum) would cost ONNX Runtime a Where and two Adds per call."),
    ("cumulativeSum (exclusive, -0)",
     "An exclusive sum over preceding elements that are all -0 is -0 on the "
     "reference (the IEEE sum of those elements); ONNX Runtime's CumSum "
     "accumulates from +0 and gives +0. The first element (no preceding "
     "element) is +0 on both."),
    ("gru / lstm (NaN and infinite inputs)",
     "NaN propagates through every gate as IEEE arithmetic says (0 * inf in "
     "input @ weight is NaN), on every backend, with one exception on "
     "onnxruntime: a gru or lstm of two or more steps whose weights and biases "
     "are all finite constants runs ONNX Runtime's fused GRU / LSTM kernel, "
     "which clamps a NaN gate pre-activation (an lstm of a NaN input gives "
     "tanh(1) where the spec gives NaN). A NaN or infinity in the input or "
     "initial states of such a sequence can therefore give a finite result. "
     "The cells, one-step sequences, runtime weights and constants holding inf "
     "or NaN take the decomposition; over 16 and 64 steps it measured 2 to 4 "
     "times the fused kernel."),
    ("conv2d (padding)",
     "Padding is zeros and the arithmetic is IEEE: a NaN or infinite filter tap "
     "over padding gives NaN (0 * NaN, 0 * inf), on every backend."),
    ("layerNormalization / l2Pool2d (float32 overflow)",
     "The reference computes the mean, variance and sum of squares exactly and "
     "rounds once. The onnxruntime and openvino backends accumulate in float32 "
     "(so do their matmul, conv2d and convTranspose2d: an intermediate sum past "
     "the float32 maximum gives inf or NaN), as implementations do: a variance or a sum of squares past the float32 maximum "
     "(values beyond about 1.8e19) overflows, so layerNormalization of such values "
     "gives zeros or NaN and l2Pool2d gives inf where the exact result is finite."),
    ("softsign",
     "softsign(+-inf) is +-1, the limit of x / (1 + |x|); the formula evaluated in "
     "floating point gives inf / inf = NaN (Chromium's result). NaN stays NaN."),
    ("clamp with a NaN bound",
     "The steps are silent on a NaN minValue or maxValue (min <= max is false, so "
     "nothing throws). A NaN bound is not applied, on every backend: WPT expects "
     "that, and ONNX Runtime's Clip and Chromium do it. (Emulated with max/min as "
     "the spec's note does, a NaN bound would make every element NaN.)"),
    ("relu / clamp / hardSwish after a convolution (openvino backend)",
     "relu and clamp give NaN for NaN and hardSwish gives 0 for -inf on every "
     "backend, except on openvino where their input comes straight from "
     "conv2d, convTranspose2d, matmul, gemm, add or batchNormalization: there "
     "they are OpenVINO's Relu, Maximum/Minimum (its Clamp) and HSwish, which "
     "the CPU plugin fuses into the producer's kernel; Relu gives 0 for NaN, "
     "Clamp a bound for NaN and HSwish NaN for -inf (as native OpenVINO does on "
     "the same model). The exact forms cost ResNet-50 one extra kernel per "
     "relu (111 kernels, native OpenVINO 61), MobileNetV3-Large 21 (134, "
     "native 110) and MobileNetV2's relu6 clamps 70 (181, native 113; 111 "
     "with the fused Clamp)."),
    ("x * sigmoid(x) (openvino backend)",
     "mul of a value and its own sigmoid (SiLU, as ONNX exports write it) is "
     "OpenVINO's Swish on the openvino backend, fused into a preceding "
     "convolution (EfficientNet's 65 activations); it gives -0 for x below "
     "about -86.6, where the exact product is below 1.5e-36 in magnitude. NaN "
     "and -inf give NaN, as the formula does."),
    ("div by a subnormal (openvino backend)",
     "OpenVINO's CPU Divide reads a float32 subnormal divisor (below about "
     "1.18e-38 in magnitude) as zero, whatever CPU_DENORMALS_OPTIMIZATION says: "
     "1e-45 / 1e-45 is inf (the reference: 1) and 0 / 1e-45 NaN (the reference: "
     "0). Normal divisors are exact IEEE division."),
    ("int64/uint64 to float32 cast (openvino backend)",
     "The openvino backend holds 64-bit integers as two 32-bit words (its CPU "
     "plugin computes int64 as int32). Casting one to float32 is exact rounding "
     "within the int32 range; beyond it, high * 2**32 + low rounds twice and "
     "can be 1 ULP off the reference (which itself rounds through float64)."),
    ("int32/uint32 quantization (openvino backend)",
     "The openvino backend's CPU plugin has no float64: dequantizeLinear of an "
     "int32/uint32 input rounds the 33-bit difference to float32, then the "
     "product (within 1 ULP of the exact result, WPT's bound; the reference "
     "rounds once), and quantizeLinear to int32/uint32 divides in float32 and "
     "corrects by the exact residual, so only a quotient within float32's "
     "rounding of a half-integer (not on it) can round the other way (1 unit, "
     "as on the int8 path)."),
    ("float16 intermediates (onnxruntime backend)",
     "A cast to float16 rounds (and overflows to inf) before the next operator on "
     "the numpy and onnxruntime backends. ONNX Runtime's CPU provider has no float16 kernels for most "
     "operators: it runs a chain of them in float32 between one pair of casts, so "
     "the results in between are not rounded to float16 (a sum that overflows "
     "float16 mid-chain stays finite there); rounding after each op would add two "
     "casts per operator on float16 networks. The openvino backend goes further: "
     "its CPU plugin computes a float16 graph in float32 and rounds only the "
     "outputs, so even a cast to float16 inside the graph does not round there."),
)
