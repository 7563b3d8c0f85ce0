"""Bad input: a file that is not TFLite, a truncated or corrupted one, an
unknown or custom operator, an unsupported quantization, a buffer pointing
outside the file.  Each is a TfliteImportError naming the operator or
tensor; never a crash, another exception type, or a read beyond the file."""

from __future__ import annotations

import zlib

import numpy as np
import pytest
from tflite_writer import ModelWriter

import webnnpy
from webnnpy.models import tflite as wt


@pytest.fixture
def ctx() -> webnnpy.MLContext:
    return webnnpy.ml.create_context(backend="numpy")


def _small_model() -> bytes:
    w = ModelWriter()
    x = w.input([1, 4, 4, 2])
    f = w.const(np.arange(18, dtype=np.float32).reshape(1, 3, 3, 2) / 10)
    b = w.const(np.zeros(1, np.float32))
    y = w.tensor([1, 4, 4, 1])
    w.op("CONV_2D", [x, f, b], [y], "Conv2DOptions", Padding=0, StrideH=1,
         StrideW=1, DilationHFactor=1, DilationWFactor=1, FusedActivationFunction=1)
    z = w.tensor([1, 16])
    w.op("RESHAPE", [y, w.const(np.array([1, 16], np.int32))], [z])
    w.output(z)
    return w.build()


@pytest.mark.parametrize("data", [b"", b"hello world, not a model", b"\x00" * 64,
                                  b"\x08\x07\x12\x04onnx" + b"\x00" * 32])
def test_not_tflite(data: bytes, ctx: webnnpy.MLContext) -> None:
    with pytest.raises(wt.InvalidModelError, match="not a TFLite model"):
        wt.load(data, context=ctx)
    with pytest.raises(wt.InvalidModelError):
        wt.inspect(data)


def test_missing_file(tmp_path: object, ctx: webnnpy.MLContext) -> None:
    with pytest.raises(wt.InvalidModelError, match="cannot read"):
        wt.load(f"{tmp_path}/nope.tflite", context=ctx)


def test_truncated_everywhere(ctx: webnnpy.MLContext) -> None:
    data = _small_model()
    wt.load(data, context=ctx)       # the whole file imports
    # (the flatbuffer's last 8 bytes are alignment padding nothing points
    # into: cutting only those leaves a complete model)
    for n in range(0, len(data) - 8, 7):
        with pytest.raises(wt.TfliteImportError):
            wt.load(data[:n], context=ctx)


def test_corrupted_bytes_never_crash(ctx: webnnpy.MLContext) -> None:
    """Random byte flips: either the model still imports, or a
    TfliteImportError says why; nothing else escapes."""
    data = bytearray(_small_model())
    rng = np.random.default_rng(zlib.crc32(b"corrupt"))
    for _ in range(300):
        bad = bytearray(data)
        for pos in rng.integers(8, len(bad), 3):
            bad[pos] = int(rng.integers(0, 256))
        try:
            wt.load(bytes(bad), context=ctx)
        except wt.TfliteImportError:
            pass


def test_buffer_outside_the_file(ctx: webnnpy.MLContext) -> None:
    w = ModelWriter()
    x = w.input([4])
    c = w.tensor([4], external=(1 << 20, 16), name="far_away")
    y = w.tensor([4])
    w.op("ADD", [x, c], [y], "AddOptions")
    w.output(y)
    with pytest.raises(wt.InvalidModelError,
                       match=r"tensor 'far_away': buffer 1 points at bytes "
                             r"1048576\.\.1048592 but the file has \d+ bytes"):
        wt.load(w.build(), context=ctx)


def test_buffer_size_disagrees_with_shape(ctx: webnnpy.MLContext) -> None:
    w = ModelWriter()
    x = w.input([4])
    c = w.tensor([4], data=np.zeros(3, np.float32).tobytes(), name="short")
    y = w.tensor([4])
    w.op("ADD", [x, c], [y], "AddOptions")
    w.output(y)
    with pytest.raises(wt.InvalidModelError,
                       match="tensor 'short': its data has 12 bytes; shape \\[4\\] "
                             "of FLOAT32 needs 16"):
        wt.load(w.build(), context=ctx)


def test_tensor_index_out_of_range(ctx: webnnpy.MLContext) -> None:
    w = ModelWriter()
    x = w.input([4])
    y = w.tensor([4])
    w.op("RELU", [x + 40], [y])
    w.output(y)
    with pytest.raises(wt.InvalidModelError,
                       match=r"operator #0 \(RELU\) inputs: tensor index 40"):
        wt.load(w.build(), context=ctx)


@pytest.mark.parametrize("code,match", [
    ("CUSTOM:MyFancyOp", r"operator #0 \(CUSTOM:MyFancyOp -> 't1'\): custom operator "
                         r"'MyFancyOp' has no WebNN mapping"),
    ("NON_MAX_SUPPRESSION_V4", r"operator #0 \(NON_MAX_SUPPRESSION_V4 -> 't1'\): "
                               r"output size depends on the data"),
    ("RFFT2D", r"operator #0 \(RFFT2D -> 't1'\): RFFT2D has no WebNN mapping")])
def test_unknown_or_custom_operator(code: str, match: str,
                                    ctx: webnnpy.MLContext) -> None:
    w = ModelWriter()
    x = w.input([4])
    y = w.tensor([4])
    w.op(code, [x], [y])
    w.output(y)
    data = w.build()
    with pytest.raises(wt.UnsupportedOperatorError, match=match) as e:
        wt.load(data, context=ctx)
    assert e.value.index == 0 and e.value.op_code == code
    report = wt.inspect(data)
    assert [o.code for o in report.unsupported] == [code]


def test_unknown_builtin_code_number(ctx: webnnpy.MLContext) -> None:
    w = ModelWriter()
    x = w.input([4])
    y = w.tensor([4])
    w.op("RELU", [x], [y])
    w.output(y)
    w.codes[0] = (250, None, 1)
    with pytest.raises(wt.UnsupportedOperatorError,
                       match=r"operator #0 \(BUILTIN_250 -> 't1'\)"):
        wt.load(w.build(), context=ctx)


def test_unsupported_quantization_int16(ctx: webnnpy.MLContext) -> None:
    w = ModelWriter()
    x = w.input([4])
    q = w.tensor([4], "int16", quant={"scale": [0.1], "zero_point": [0]},
                 name="q16")
    w.op("QUANTIZE", [x], [q])
    y = w.tensor([4])
    w.op("DEQUANTIZE", [q], [y])
    w.output(y)
    with pytest.raises(wt.UnsupportedOperatorError,
                       match=r"operator #0 \(QUANTIZE -> 'q16'\): output 'q16' is "
                             r"INT16, which WebNN has no data type for"):
        wt.load(w.build(), context=ctx)


def test_per_axis_scales_that_do_not_fit(ctx: webnnpy.MLContext) -> None:
    w = ModelWriter()
    x = w.input([2, 6])
    wq = w.const(np.ones((4, 6), np.int8), name="wq",
                 quant={"scale": [0.1, 0.2, 0.3], "zero_point": [0, 0, 0], "axis": 0})
    wf = w.tensor([4, 6])
    w.op("DEQUANTIZE", [wq], [wf])
    y = w.tensor([2, 4])
    w.op("FULLY_CONNECTED", [x, wf, -1], [y], "FullyConnectedOptions")
    w.output(y)
    with pytest.raises(wt.UnsupportedOperatorError,
                       match=r"operator #0 \(DEQUANTIZE.*'wq': 3 scales do not fit "
                             r"dimension 0 of shape \[4, 6\]"):
        wt.load(w.build(), context=ctx)


def test_non_constant_where_a_constant_is_needed(ctx: webnnpy.MLContext) -> None:
    w = ModelWriter()
    x = w.input([2, 3])
    shape = w.input([2], "int32")
    y = w.tensor([3, 2])
    w.op("TRANSPOSE", [x, shape], [y])
    w.output(y)
    with pytest.raises(wt.UnsupportedOperatorError,
                       match=r"perm \(tensor 'in1'\) must be a constant"):
        wt.load(w.build(), context=ctx)


def test_declared_shape_mismatch_is_caught(ctx: webnnpy.MLContext) -> None:
    """A file whose declared output shape disagrees with what the operator
    computes is refused, not run with a silently different shape."""
    w = ModelWriter()
    x = w.input([1, 4, 4, 1])
    y = w.tensor([1, 3, 3, 1], name="pooled")
    w.op("MAX_POOL_2D", [x], [y], "Pool2DOptions", Padding=0, StrideH=2, StrideW=2,
         FilterHeight=2, FilterWidth=2)
    w.output(y)
    with pytest.raises(wt.UnsupportedOperatorError,
                       match=r"output 'pooled' comes out as \[1, 2, 2, 1\]; the "
                             r"model declares \[1, 3, 3, 1\]"):
        wt.load(w.build(), context=ctx)


def test_run_checks_its_inputs(ctx: webnnpy.MLContext) -> None:
    m = wt.load(_small_model(), context=ctx)
    with pytest.raises(TypeError, match="input 'in0' is missing"):
        m.run({})
    with pytest.raises(TypeError, match=r"has shape \[1, 4, 4\]"):
        m.run({"in0": np.zeros((1, 4, 4), np.float32)})
    with pytest.raises(TypeError, match="is float32; got complex64"):
        m.run({"in0": np.zeros((1, 4, 4, 2), np.complex64)})


def test_corrupted_real_model(ctx: webnnpy.MLContext) -> None:
    """Byte flips in a real MediaPipe model (hand_recrop, 124 KB), in the
    whole file and in its last 4 KB (the flatbuffer's tables)."""
    from tflite_testlib import CI

    from webnnpy.models.tflite import mediapipe as mp
    try:
        data = mp.find("hand_recrop").read_bytes()
    except mp.ModelNotInstalledError as e:
        if CI:
            raise
        pytest.skip(str(e))
    rng = np.random.default_rng(zlib.crc32(b"corrupt real"))
    for _ in range(25):
        bad = bytearray(data)
        for pos in [*rng.integers(8, len(bad), 4),
                    *rng.integers(len(bad) - 4096, len(bad), 4)]:
            bad[pos] = int(rng.integers(0, 256))
        try:
            wt.load(bytes(bad), context=ctx)
        except wt.TfliteImportError:
            pass
