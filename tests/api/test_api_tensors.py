"""MLTensor and the MLContext methods on tensors: createTensor,
createConstantTensor, readTensor (both overloads), writeTensor and
MLTensor.destroy(); each validation step in the spec's order, with its error
kind (#api-mlcontext-createtensor ... #api-mltensor-destroy)."""

from __future__ import annotations

import numpy as np
import pytest
from apitest_helpers import invalid_state, raises, tdesc

import webnnpy
from webnnpy.backends.errors import AllocationError, TransferError
from webnnpy.ir.checks import MAX_DIMENSION

# The IDL conversion of an MLTensorDescriptor / MLOperandDescriptor: each case
# is (descriptor, message fragments).  These run before the method steps.
BAD_DESCRIPTORS = [
    ([2, 3], ("descriptor must be a dict",)),
    ({"shape": [2]}, ("missing", "'data_type'")),
    ({"data_type": "float64", "shape": [2]}, ("data_type 'float64'",
                                              "MLOperandDataType")),
    ({"data_type": "float32"}, ("missing", "'shape'")),
    ({"dataType": "float32", "shape": [2]}, ("'dataType'", "did you mean",
                                            "'data_type'")),
    ({"data_type": "float32", "shape": 3}, ("shape must be a sequence", "3")),
    ({"data_type": "float32", "shape": "23"}, ("shape must be a sequence",)),
    ({"data_type": "float32", "shape": [2, -1]}, ("shape [2, -1]", "-1",
                                                  "[0, 2**32)")),
    ({"data_type": "float32", "shape": [2**32]}, ("4294967296", "[0, 2**32)")),
    ({"data_type": "float32", "shape": [2.0]}, ("2.0", "integers")),
    ({"data_type": "float32", "shape": [True]}, ("True", "integers")),
]

# The spec's "check dimensions" (#api-mloperanddescriptor), in its order.
# The reference backend supports ranks 0..8 and 2**31-1 bytes per tensor.
BAD_DIMENSIONS = [
    ([2, 0], ("shape [2, 0]", "dimension 0", f"[1, {MAX_DIMENSION}]")),
    ([2**31], ("dimension 2147483648", f"[1, {MAX_DIMENSION}]")),
    ([1] * 9, ("rank 9", "at most 8")),
    ([2**16, 2**16], ("4294967296 elements", f"at most {MAX_DIMENSION}")),
    ([2**29], ("2147483648 bytes", "2147483647")),  # float32: 4 bytes each
]


@pytest.fixture
def other_context():
    ctx = webnnpy.ml.create_context(backend="numpy")
    yield ctx
    ctx.destroy()


# ------------------------------------------------------------ createTensor


def test_create_tensor_attributes(ref_context) -> None:
    t = ref_context.create_tensor(tdesc("int8", [4, 1], readable=True))
    assert isinstance(t, webnnpy.MLTensor)
    assert t.data_type == "int8"
    assert t.shape == (4, 1) and isinstance(t.shape, tuple)
    assert (t.readable, t.writable, t.constant) == (True, False, False)
    w = ref_context.create_tensor(tdesc(writable=True))
    assert (w.readable, w.writable, w.constant) == (False, True, False)
    d = ref_context.create_tensor(tdesc())  # readable/writable default false
    assert (d.readable, d.writable) == (False, False)


def test_create_tensor_is_zero_filled(ref_context) -> None:
    t = ref_context.create_tensor(tdesc("uint64", [3], readable=True))
    out = ref_context.read_tensor(t)
    assert out.dtype == np.uint64 and out.shape == (3,)
    assert out.tolist() == [0, 0, 0]


def test_create_tensor_accepts_descriptor_classes(ref_context) -> None:
    t = ref_context.create_tensor(webnnpy.MLTensorDescriptor("float16", (2,),
                                                             readable=True))
    assert (t.data_type, t.shape, t.readable) == ("float16", (2,), True)
    s = ref_context.create_tensor({"data_type": "uint8", "shape": []})  # scalar
    assert s.shape == ()


@pytest.mark.parametrize(("descriptor", "fragments"), BAD_DESCRIPTORS)
def test_create_tensor_bad_descriptor(ref_context, descriptor, fragments) -> None:
    with raises(TypeError, "create_tensor", *fragments):
        ref_context.create_tensor(descriptor)


@pytest.mark.parametrize("flag", ["readable", "writable"])
def test_create_tensor_bad_flag(ref_context, flag) -> None:
    with raises(TypeError, "create_tensor", flag, "True or False", "1"):
        ref_context.create_tensor(tdesc(**{flag: 1}))  # type: ignore[arg-type]


def test_create_tensor_unknown_member(ref_context) -> None:
    # stricter than a JS dictionary, which ignores unknown members: a typo
    # would otherwise pass silently
    with raises(TypeError, "create_tensor", "'exportable'"):
        ref_context.create_tensor({**tdesc(), "exportable": True})


def test_create_tensor_descriptor_members_in_idl_order(ref_context) -> None:
    # dataType converts before shape, shape before readable
    with raises(TypeError, "create_tensor", "data_type 'bad'"):
        ref_context.create_tensor({"data_type": "bad", "shape": [-1]})
    with raises(TypeError, "create_tensor", "data_type 'bad'"):
        ref_context.create_tensor({"data_type": "bad"})
    with raises(TypeError, "create_tensor", "shape [-1]"):
        ref_context.create_tensor({"data_type": "float32", "shape": [-1],
                                   "readable": 1})


def test_create_tensor_on_lost_context() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    ctx.destroy()
    with invalid_state("create_tensor", "lost"):
        ctx.create_tensor(tdesc())
    # IDL conversion of the descriptor comes before the lost check
    with raises(TypeError, "create_tensor", "data_type 'float64'"):
        ctx.create_tensor(tdesc("float64"))
    # the dimension check comes after it
    with invalid_state("create_tensor", "lost"):
        ctx.create_tensor(tdesc(shape=[0]))


@pytest.mark.parametrize(("shape", "fragments"), BAD_DIMENSIONS)
def test_create_tensor_check_dimensions(ref_context, shape, fragments) -> None:
    # a declared change: the spec's createTensor steps omit this check
    with raises(TypeError, "create_tensor", *fragments):
        ref_context.create_tensor(tdesc("float32", shape))


def test_check_dimensions_order(ref_context) -> None:
    # invalid dimensions are found before the rank, the rank before the count
    with raises(TypeError, "create_tensor", "dimension 0"):
        ref_context.create_tensor(tdesc("float32", [0] * 9))
    with raises(TypeError, "create_tensor", "rank 9"):
        ref_context.create_tensor(tdesc("float32", [2**16, 2**16] + [1] * 7))
    with raises(TypeError, "create_tensor", "4294967296 elements"):
        ref_context.create_tensor(tdesc("int8", [2**16, 2**16]))


def test_create_tensor_max_byte_length_boundary(ref_context) -> None:
    lim = ref_context.op_support_limits()["max_tensor_byte_length"]
    assert lim == 2**31 - 1
    # one byte over the limit (2**30 float16 elements: a valid count)
    with raises(TypeError, "create_tensor", "2147483648 bytes", "2147483647"):
        ref_context.create_tensor(tdesc("float16", [2**30]))


def test_create_tensor_allocation_failure(ref_context, monkeypatch) -> None:
    def fail(desc):
        raise AllocationError("allocating: out of device memory")

    monkeypatch.setattr(ref_context._backend, "allocate", fail)
    with raises(webnnpy.UnknownError, "create_tensor", "allocating",
                "out of device memory"):
        ref_context.create_tensor(tdesc())


# ---------------------------------------------------- createConstantTensor


def test_create_constant_tensor_attributes(ref_context) -> None:
    data = np.arange(6, dtype=np.float32).reshape(2, 3)
    t = ref_context.create_constant_tensor(tdesc("float32", [2, 3]), data)
    assert (t.data_type, t.shape) == ("float32", (2, 3))
    assert (t.readable, t.writable, t.constant) == (False, False, True)


@pytest.mark.parametrize(("descriptor", "fragments"), BAD_DESCRIPTORS)
def test_create_constant_tensor_bad_descriptor(ref_context, descriptor, fragments
                                               ) -> None:
    with raises(TypeError, "create_constant_tensor", *fragments):
        ref_context.create_constant_tensor(descriptor, bytes(24))


def test_create_constant_tensor_ignores_tensor_flags(ref_context) -> None:
    # an MLOperandDescriptor: a tensor descriptor's readable/writable play no part
    t = ref_context.create_constant_tensor(tdesc(readable=True, writable=True),
                                           bytes(24))
    assert t.constant and not t.readable and not t.writable


def test_create_constant_tensor_bad_buffer_type(ref_context) -> None:
    with raises(TypeError, "create_constant_tensor", "expected a buffer", "list"):
        ref_context.create_constant_tensor(tdesc("float32", [2]), [1.0, 2.0])


def test_create_constant_tensor_on_lost_context() -> None:
    ctx = webnnpy.ml.create_context(backend="numpy")
    ctx.destroy()
    with invalid_state("create_constant_tensor", "lost"):
        ctx.create_constant_tensor(tdesc("float32", [2]), bytes(8))
    # the IDL conversions (descriptor, then buffer) come first ...
    with raises(TypeError, "create_constant_tensor", "data_type 'x'"):
        ctx.create_constant_tensor(tdesc("x", [2]), None)
    with raises(TypeError, "create_constant_tensor", "expected a buffer"):
        ctx.create_constant_tensor(tdesc("float32", [2]), None)
    # ... the dimension and buffer checks after the lost check
    with invalid_state("create_constant_tensor", "lost"):
        ctx.create_constant_tensor(tdesc("float32", [0]), bytes(3))


@pytest.mark.parametrize(("shape", "fragments"), BAD_DIMENSIONS)
def test_create_constant_tensor_check_dimensions(ref_context, shape, fragments
                                                 ) -> None:
    with raises(TypeError, "create_constant_tensor", *fragments):
        ref_context.create_constant_tensor(tdesc("float32", shape), bytes(4))


def test_create_constant_tensor_validate_buffer(ref_context) -> None:
    d = tdesc("float32", [2, 2])  # 16 bytes
    with raises(TypeError, "create_constant_tensor", "12 bytes", "float32[2, 2]",
                "16"):
        ref_context.create_constant_tensor(d, np.zeros(3, np.float32))
    with raises(TypeError, "create_constant_tensor", "int32", "float32"):
        ref_context.create_constant_tensor(d, np.zeros(4, np.int32))
    # byte length is checked before the element type
    with raises(TypeError, "create_constant_tensor", "24 bytes"):
        ref_context.create_constant_tensor(d, np.zeros(3, np.float64))
    # and the dimension check before the buffer
    with raises(TypeError, "create_constant_tensor", "dimension 0"):
        ref_context.create_constant_tensor(tdesc("float32", [0]), bytes(5))


def test_create_constant_tensor_upload_failure(ref_context, monkeypatch) -> None:
    def fail(desc, data):
        raise TransferError("device busy")

    monkeypatch.setattr(ref_context._backend, "upload", fail)
    with raises(webnnpy.UnknownError, "create_constant_tensor", "device busy"):
        ref_context.create_constant_tensor(tdesc("int32", [1]), bytes(4))


def test_create_constant_tensor_copies_at_call_time(ref_context) -> None:
    data = np.array([1, 2, 3], np.int32)
    t = ref_context.create_constant_tensor(tdesc("int32", [3]), data)
    data[:] = 0  # after the call: must not matter
    b = webnnpy.MLGraphBuilder(ref_context)
    g = b.build({"y": b.identity(b.constant(t))})
    assert ref_context.compute(g, {})["y"].tolist() == [1, 2, 3]


# -------------------------------------------------------------- readTensor


def test_read_tensor_bad_tensor_argument(ref_context) -> None:
    with raises(TypeError, "read_tensor", "tensor must be an MLTensor", "ndarray"):
        ref_context.read_tensor(np.zeros(3))  # type: ignore[arg-type]


def test_read_tensor_steps_in_order(ref_context, other_context) -> None:
    # 1. another context
    foreign = other_context.create_tensor(tdesc(readable=True))
    with raises(TypeError, "read_tensor", "tensor", "another context"):
        ref_context.read_tensor(foreign)
    # 2. destroyed (checked before readable)
    t = ref_context.create_tensor(tdesc(readable=False))
    t.destroy()
    with raises(TypeError, "read_tensor", "tensor <MLTensor float32[2, 3]",
                "destroyed"):
        ref_context.read_tensor(t)
    # 3. not readable
    u = ref_context.create_tensor(tdesc(writable=True))
    with raises(TypeError, "read_tensor", "not readable", "readable=True"):
        ref_context.read_tensor(u)
    # another context wins over destroyed
    foreign.destroy()
    with raises(TypeError, "read_tensor", "another context"):
        ref_context.read_tensor(foreign)


def test_read_tensor_byob_steps_in_order(ref_context) -> None:
    t = ref_context.create_tensor(tdesc("float32", [2, 3], readable=True))
    good = np.empty((2, 3), np.float32)
    # IDL conversion of output_data first
    with raises(TypeError, "read_tensor", "expected a buffer", "list"):
        ref_context.read_tensor(t, [0.0] * 6)
    # not readable before the buffer validation
    u = ref_context.create_tensor(tdesc("float32", [2, 3]))
    with raises(TypeError, "read_tensor", "not readable"):
        ref_context.read_tensor(u, np.empty(1, np.float64))
    # validate buffer with descriptor: byte length, then element type
    with raises(TypeError, "read_tensor", "20 bytes", "float32[2, 3]", "24"):
        ref_context.read_tensor(t, np.empty(5, np.float32))
    with raises(TypeError, "read_tensor", "int32", "float32"):
        ref_context.read_tensor(t, np.empty(6, np.int32))
    with raises(TypeError, "read_tensor", "read-only"):
        ref_context.read_tensor(t, bytes(24))
    assert ref_context.read_tensor(t, good) is None


def test_read_tensor_returns_a_new_array(ref_context) -> None:
    t = ref_context.create_tensor(tdesc("int32", [2], readable=True,
                                        writable=True))
    ref_context.write_tensor(t, np.array([5, 6], np.int32))
    a = ref_context.read_tensor(t)
    assert isinstance(a, np.ndarray) and a.dtype == np.int32 and a.shape == (2,)
    a[:] = 0
    assert ref_context.read_tensor(t).tolist() == [5, 6]


def test_read_tensor_copy_failure(ref_context, monkeypatch) -> None:
    t = ref_context.create_tensor(tdesc(readable=True))

    def fail(buf):
        raise TransferError("copying: bus error")

    monkeypatch.setattr(ref_context._backend, "read", fail)
    with raises(webnnpy.UnknownError, "read_tensor", "copying", "bus error"):
        ref_context.read_tensor(t)
    monkeypatch.setattr(ref_context._backend, "read_into",
                        lambda buf, out: fail(buf))
    with raises(webnnpy.UnknownError, "read_tensor", "bus error"):
        ref_context.read_tensor(t, np.empty((2, 3), np.float32))
    assert not t._pending  # the settled promises left [[pendingPromises]]


# ------------------------------------------------------------- writeTensor


def test_write_tensor_steps_in_order(ref_context, other_context) -> None:
    data = np.zeros((2, 3), np.float32)
    with raises(TypeError, "write_tensor", "tensor must be an MLTensor", "str"):
        ref_context.write_tensor("t", data)  # type: ignore[arg-type]
    t = ref_context.create_tensor(tdesc(writable=True))
    with raises(TypeError, "write_tensor", "expected a buffer", "list"):
        ref_context.write_tensor(t, [0.0] * 6)
    foreign = other_context.create_tensor(tdesc(writable=True))
    with raises(TypeError, "write_tensor", "tensor", "another context"):
        ref_context.write_tensor(foreign, data)
    gone = ref_context.create_tensor(tdesc(writable=False))
    gone.destroy()
    with raises(TypeError, "write_tensor", "destroyed"):  # before writable
        ref_context.write_tensor(gone, data)
    ro = ref_context.create_tensor(tdesc(readable=True))
    with raises(TypeError, "write_tensor", "not writable", "writable=True"):
        ref_context.write_tensor(ro, np.zeros(1, np.float64))  # before buffer
    with raises(TypeError, "write_tensor", "16 bytes", "float32[2, 3]", "24"):
        ref_context.write_tensor(t, np.zeros(4, np.float32))
    with raises(TypeError, "write_tensor", "uint32", "float32"):
        ref_context.write_tensor(t, np.zeros(6, np.uint32))
    # the IDL conversion of input_data comes before the tensor checks
    with raises(TypeError, "write_tensor", "expected a buffer"):
        ref_context.write_tensor(ro, 3.0)


def test_write_tensor_copies_at_call_time(ref_context) -> None:
    t = ref_context.create_tensor(tdesc("uint8", [3], readable=True,
                                        writable=True))
    src = bytearray(b"\x01\x02\x03")
    assert ref_context.write_tensor(t, src) is None
    src[:] = b"\x09\x09\x09"
    assert ref_context.read_tensor(t).tolist() == [1, 2, 3]


def test_write_to_a_constant_tensor(ref_context) -> None:
    c = ref_context.create_constant_tensor(tdesc("int8", [1]), b"\x05")
    with raises(TypeError, "write_tensor", "not writable"):
        ref_context.write_tensor(c, b"\x01")
    with raises(TypeError, "read_tensor", "not readable"):
        ref_context.read_tensor(c)


# ---------------------------------------------------------- MLTensor.destroy


def test_tensor_destroy_is_idempotent(ref_context) -> None:
    t = ref_context.create_tensor(tdesc(readable=True))
    assert t.destroy() is None
    t.destroy()
    assert t._destroyed
    assert "destroyed" in repr(t)
    with raises(TypeError, "read_tensor", "destroyed"):
        ref_context.read_tensor(t)


def test_tensor_destroy_releases_its_data(ref_context) -> None:
    t = ref_context.create_tensor(tdesc(readable=True))
    t.destroy()
    # the release runs on the timeline: after a later read of another tensor
    # has completed, it has run
    u = ref_context.create_tensor(tdesc(readable=True))
    ref_context.read_tensor(u)
    assert t._buffer is None
