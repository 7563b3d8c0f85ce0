"""MLGraphBuilder: input(), the three constant() overloads, build(), MLOperand,
and the "can build" rule for every method (#api-mlgraphbuilder-input ...
#api-mlgraphbuilder-build).  Each validation step in the spec's order."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest
from apitest_helpers import invalid_state, raises, tdesc

import webnnpy
from webnnpy._spec import to_py_name
from webnnpy.ir.registry import FAMILIES


@pytest.fixture
def ctx(ref_context):
    return ref_context


@pytest.fixture
def other_context():
    c = webnnpy.ml.create_context(backend="numpy")
    yield c
    c.destroy()


def _built(ctx) -> webnnpy.MLGraphBuilder:
    b = webnnpy.MLGraphBuilder(ctx)
    b.build({"y": b.abs(b.input("x", tdesc()))})
    return b


# ------------------------------------------------------------------ MLOperand


def test_operand_attributes(builder) -> None:
    x = builder.input("x", tdesc("int64", [1, 2, 3]))
    assert isinstance(x, webnnpy.MLOperand)
    assert x.data_type == "int64"
    assert x.shape == (1, 2, 3) and isinstance(x.shape, tuple)
    assert x.rank == 3
    with pytest.raises(AttributeError):
        x.shape = (3,)  # type: ignore[misc]
    s = builder.input("s", tdesc("float32", []))
    assert s.shape == () and s.rank == 0


def test_operands_are_immutable(builder) -> None:
    x = builder.input("x", tdesc("float32", [2]))
    y = builder.add(x, x)
    assert (x.data_type, x.shape) == ("float32", (2,))
    assert y is not x


# ----------------------------------------------------------------- input()


def test_input_idl_conversions(builder) -> None:
    with raises(TypeError, "input", "name must be a string", "3"):
        builder.input(3, tdesc())  # type: ignore[arg-type]
    with raises(TypeError, "input 'x'", "data_type 'float64'"):
        builder.input("x", tdesc("float64"))
    with raises(TypeError, "input 'x'", "descriptor must be a dict"):
        builder.input("x", None)  # type: ignore[arg-type]
    with raises(TypeError, "input 'x'", "unknown descriptor key 'dims'"):
        builder.input("x", {**tdesc(), "dims": [2]})


def test_input_takes_a_tensor_descriptor(builder) -> None:
    # MLTensorDescriptor inherits MLOperandDescriptor: its readable/writable
    # members are allowed and play no part
    x = builder.input("x", tdesc(readable=True, writable=True))
    assert (x.data_type, x.shape) == (tdesc()["data_type"], tuple(tdesc()["shape"]))


def test_input_step1_can_not_build(ctx) -> None:
    b = _built(ctx)
    with invalid_state("input", "already built"):
        b.input("z", tdesc())
    with invalid_state("input", "already built"):  # before the empty-name check
        b.input("", tdesc())
    with invalid_state("input", "already built"):  # before the duplicate check
        b.input("x", tdesc())
    # the IDL conversions come before the method steps
    with raises(TypeError, "input 'z'", "data_type 'bad'"):
        b.input("z", tdesc("bad"))


def test_input_step2_empty_name(builder) -> None:
    with raises(TypeError, "input", "name must not be empty"):
        builder.input("", tdesc())
    with raises(TypeError, "input", "must not be empty"):  # before dimensions
        builder.input("", tdesc(shape=[0]))


def test_input_step3_duplicate_name(builder) -> None:
    builder.input("x", tdesc())
    with raises(TypeError, "input", "'x' already exists"):
        builder.input("x", tdesc("int8", [1]))
    with raises(TypeError, "input", "'x' already exists"):  # before dimensions
        builder.input("x", tdesc(shape=[0]))
    builder.input("X", tdesc())  # names are case-sensitive


@pytest.mark.parametrize(("shape", "fragments"), [
    ([3, 0], ("dimension 0",)),
    ([2**31], ("dimension 2147483648",)),
    ([1] * 9, ("rank 9", "at most 8")),
    ([2**16, 2**16], ("4294967296 elements",)),
    ([2**29], ("2147483648 bytes",)),
])
def test_input_step4_check_dimensions(builder, shape, fragments) -> None:
    with raises(TypeError, "input 'x'", *fragments):
        builder.input("x", tdesc("float32", shape))


def test_input_failed_call_declares_nothing(builder) -> None:
    with pytest.raises(TypeError):
        builder.input("x", tdesc(shape=[0]))
    builder.input("x", tdesc())  # the name is still free


def test_input_on_lost_context(ctx) -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(c)
    c.destroy()
    with invalid_state("input", "context is lost"):
        b.input("x", tdesc())


# ----------------------------------------------- constant(descriptor, buffer)


def test_constant_buffer_idl_conversions(builder) -> None:
    with raises(TypeError, "constant", "data_type 'f32'"):
        builder.constant(tdesc("f32", [1]), bytes(4))
    with raises(TypeError, "constant", "expected a buffer", "list"):
        builder.constant(tdesc("float32", [1]), [1.0])


def test_constant_buffer_steps_in_order(ctx, builder) -> None:
    b = _built(ctx)
    with invalid_state("constant", "already built"):
        b.constant(tdesc("float32", [1]), bytes(4))
    with invalid_state("constant", "already built"):  # before dimensions
        b.constant(tdesc("float32", [0]), bytes(4))
    with raises(TypeError, "constant", "expected a buffer"):  # IDL first
        b.constant(tdesc("float32", [1]), "abcd")
    # check dimensions, then validate buffer
    with raises(TypeError, "constant", "dimension 0"):
        builder.constant(tdesc("float32", [0]), bytes(3))
    with raises(TypeError, "constant", "rank 9"):
        builder.constant(tdesc("float32", [1] * 9), bytes(4))
    with raises(TypeError, "constant", "3 bytes", "float32[1]", "4"):
        builder.constant(tdesc("float32", [1]), bytes(3))
    with raises(TypeError, "constant", "int8", "uint8"):
        builder.constant(tdesc("uint8", [2]), np.zeros(2, np.int8))


def test_constant_buffer_copies_bytes(ctx) -> None:
    b = webnnpy.MLGraphBuilder(ctx)
    data = np.array([1.0, 2.0], np.float32)
    c = b.constant(tdesc("float32", [2]), data)
    data[:] = -1
    assert (c.data_type, c.shape) == ("float32", (2,))
    g = b.build({"y": b.identity(c)})
    np.testing.assert_array_equal(ctx.compute(g, {})["y"], [1, 2])


def test_constant_array_addition(ctx) -> None:
    b = webnnpy.MLGraphBuilder(ctx)
    c = b.constant(np.array([[1, 2, 3]], np.uint32))  # a declared addition
    assert (c.data_type, c.shape) == ("uint32", (1, 3))
    with raises(TypeError, "constant", "float64", "no WebNN data type"):
        b.constant(np.zeros(2))
    with raises(TypeError, "constant", "expected an MLTensor", "int"):
        b.constant(5)
    with raises(TypeError, "constant", "got 3 arguments"):
        b.constant("float32", 1, 2)
    with raises(TypeError, "constant", "got 0 arguments"):
        b.constant()


# --------------------------------------------------- constant(dataType, value)


def test_constant_scalar_is_a_scalar(builder) -> None:
    c = builder.constant("float16", 1.5)
    assert (c.data_type, c.shape) == ("float16", ())


def test_constant_scalar_idl_conversions(builder) -> None:
    with raises(TypeError, "constant", "data_type 'float64'", "MLOperandDataType"):
        builder.constant("float64", 1.0)
    for bad in ("1", None, True, 1j, [1]):
        with raises(TypeError, "constant", "value must be a number", repr(bad)):
            builder.constant("int32", bad)


def test_constant_scalar_can_not_build(ctx) -> None:
    b = _built(ctx)
    with invalid_state("constant", "already built"):
        b.constant("float32", 1.0)
    with raises(TypeError, "data_type 'bad'"):  # IDL conversion first
        b.constant("bad", 1.0)
    with raises(TypeError, "value must be a number"):
        b.constant("float32", "x")


# ---------------------------------------------------------- constant(tensor)


def test_constant_tensor_steps_in_order(ctx, other_context) -> None:
    b = webnnpy.MLGraphBuilder(ctx)
    foreign = other_context.create_constant_tensor(tdesc("float32", [1]), bytes(4))
    with raises(TypeError, "constant", "another context"):
        b.constant(foreign)
    foreign.destroy()  # the context check is first
    with raises(TypeError, "constant", "another context"):
        b.constant(foreign)
    gone = ctx.create_tensor(tdesc("float32", [1]))  # not constant either
    gone.destroy()
    with raises(TypeError, "constant", "destroyed"):  # destroyed before constant
        b.constant(gone)
    plain = ctx.create_tensor(tdesc("float32", [1]))
    with raises(TypeError, "constant", "not created by create_constant_tensor"):
        b.constant(plain)
    built = _built(ctx)
    c = ctx.create_constant_tensor(tdesc("float32", [1]), bytes(4))
    with invalid_state("constant", "already built"):
        built.constant(c)
    # the tensor checks come before the can-build check
    with raises(TypeError, "constant", "not created by create_constant_tensor"):
        built.constant(plain)


def test_constant_tensor_of_lost_context() -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    t = c.create_constant_tensor(tdesc("float32", [1]), bytes(4))
    b = webnnpy.MLGraphBuilder(c)
    c.destroy()  # destroys t as well: the tensor checks come first
    with raises(TypeError, "constant", "destroyed"):
        b.constant(t)


def test_constant_tensor_destroyed_after_build_is_fine(ctx) -> None:
    t = ctx.create_constant_tensor(tdesc("int8", [2]), np.array([3, -4], np.int8))
    b = webnnpy.MLGraphBuilder(ctx)
    op = b.constant(t)
    assert (op.data_type, op.shape) == ("int8", (2,))
    g = b.build({"y": b.neg(op)})
    t.destroy()  # legal after build (the note under dispatch())
    assert ctx.compute(g, {})["y"].tolist() == [-3, 4]


def test_build_with_destroyed_constant_tensor(ctx) -> None:
    t = ctx.create_constant_tensor(tdesc("float32", [2]), bytes(8))
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", tdesc("float32", [2]))
    y = b.add(x, b.constant(t))
    t.destroy()
    with raises(TypeError, "build", "constant tensor", "destroyed"):
        b.build({"y": y})
    # a destroyed tensor the outputs do not depend on does not matter
    g = b.build({"y": b.abs(x)})
    assert set(g.inputs) == {"x"}


# ------------------------------------------------------------------- build()


def test_build_idl_conversions(builder) -> None:
    x = builder.input("x", tdesc())
    with raises(TypeError, "build", "outputs must be a dict", "list"):
        builder.build([builder.abs(x)])  # type: ignore[arg-type]
    with raises(TypeError, "build", "output name 1", "string"):
        builder.build({1: builder.abs(x)})  # type: ignore[dict-item]
    with raises(TypeError, "build", "outputs['y'] must be an MLOperand", "ndarray"):
        builder.build({"y": np.zeros(2)})  # type: ignore[dict-item]


def test_build_step1_can_not_build(ctx) -> None:
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", tdesc())
    y = b.abs(x)
    b.build({"y": y})
    with invalid_state("build", "already built"):  # building twice
        b.build({"y": y})
    with invalid_state("build", "already built"):  # before the empty check
        b.build({})
    with raises(TypeError, "build", "must be an MLOperand"):  # IDL first
        b.build({"y": 1})  # type: ignore[dict-item]


def test_build_on_lost_context() -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(c)
    y = b.abs(b.input("x", tdesc()))
    c.destroy()
    with invalid_state("build", "context is lost"):
        b.build({"y": y})


def test_build_steps_in_order(ctx, builder) -> None:
    x = builder.input("x", tdesc())
    y = builder.abs(x)
    c = builder.constant(tdesc("float32", [2, 3]), bytes(24))
    other = webnnpy.MLGraphBuilder(ctx)
    foreign = other.abs(other.input("x", tdesc()))
    with raises(TypeError, "build", "outputs must not be empty"):
        builder.build({})
    with raises(TypeError, "build", "output name ''", "empty"):
        builder.build({"": y})
    with raises(TypeError, "build", "outputs['f']", "another MLGraphBuilder"):
        builder.build({"f": foreign})
    with raises(TypeError, "build", "outputs['x']", "an input operand",
                "identity()"):
        builder.build({"x": x})
    with raises(TypeError, "build", "outputs['c']", "a constant operand",
                "identity()"):
        builder.build({"c": c})
    # per output, the empty name is found before the operand's problems
    with raises(TypeError, "build", "output name ''"):
        builder.build({"y": y, "": foreign})
    # and outputs are checked in order
    with raises(TypeError, "build", "outputs['c']"):
        builder.build({"c": c, "x": x})


def test_failed_build_does_not_consume_the_builder(builder) -> None:
    x = builder.input("x", tdesc())
    with pytest.raises(TypeError):
        builder.build({"x": x})
    g = builder.build({"y": builder.identity(x)})  # [[hasBuilt]] was still false
    assert isinstance(g, webnnpy.MLGraph)


def test_compile_failure_is_an_operation_error(ctx, monkeypatch) -> None:
    from webnnpy.backends.errors import CompileError

    def fail(graph):
        raise CompileError("unsupported by the platform")

    monkeypatch.setattr(ctx._backend, "compile", fail)
    b = webnnpy.MLGraphBuilder(ctx)
    y = b.abs(b.input("x", tdesc()))
    with raises(webnnpy.OperationError, "build", f"the {ctx._backend.name} backend",
                "unsupported by the platform"):
        b.build({"y": y})
    with invalid_state("build", "already built"):  # [[hasBuilt]] was set
        b.build({"y": y})


def test_build_walk_and_descriptors(ctx) -> None:
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", tdesc("float32", [2]))
    b.input("unused", tdesc("int8", [1]))
    y = b.mul(x, b.constant("float32", 3.0))
    # one operand may feed two outputs; output names may equal input names
    g = b.build({"x": y, "z": y})
    assert g.inputs == {"x": webnnpy.MLOperandDescriptor("float32", (2,))}
    assert set(g.outputs) == {"x", "z"}
    out = ctx.compute(g, {"x": np.array([1, -2], np.float32)})
    assert out["x"].tolist() == [3, -6] and out["z"].tolist() == [3, -6]


def test_operands_of_a_built_builder_are_foreign_elsewhere(ctx) -> None:
    b1 = webnnpy.MLGraphBuilder(ctx)
    x = b1.input("x", tdesc())
    b1.build({"y": b1.abs(x)})
    b2 = webnnpy.MLGraphBuilder(ctx)
    with raises(TypeError, "abs", "another MLGraphBuilder"):
        b2.abs(x)


# ------------------------------------ every builder method after build / loss



def _samples() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fam in FAMILIES:
        out.update(importlib.import_module(f"samples.{fam}").SAMPLES)
    return out


SAMPLES = _samples()


def _record(ctx, op: str) -> tuple[webnnpy.MLGraphBuilder, tuple, dict, Any]:
    """Run op's sample on a fresh builder, capturing the call of the op."""
    b = webnnpy.MLGraphBuilder(ctx)
    name = to_py_name(op)
    calls: list[tuple[tuple, dict]] = []
    real = getattr(b, name)

    def spy(*args, **kwargs):
        calls.append((args, kwargs))
        return real(*args, **kwargs)

    setattr(b, name, spy)
    sample = SAMPLES[op]
    try:
        lim = ctx.op_support_limits()[name][to_py_name(sample.key)]
        rank = max(lim["rank_range"]["min"], min(lim["rank_range"]["max"], 2))
        result = sample.fn(b, lim["data_types"][0], rank)
    except TypeError as e:  # another helper's sample: not this test's concern
        pytest.skip(f"the sample for {op} does not build: {e}")
    finally:
        del b.__dict__[name]
    assert calls, f"the sample for {op} never calls {name}"
    args, kwargs = calls[-1]
    return b, args, kwargs, result


def _method_calls() -> list[str]:
    return sorted(SAMPLES)


@pytest.mark.parametrize("op", _method_calls())
def test_every_method_after_build_is_invalid_state(ctx, op) -> None:
    b, args, kwargs, result = _record(ctx, op)
    out = result[0] if isinstance(result, list) else result
    b.build({"out": out})
    # operator messages name the op by its spec name (the IR's name for it)
    with invalid_state(f"{op}:", "already built"):
        getattr(b, to_py_name(op))(*args, **kwargs)


@pytest.mark.parametrize("op", _method_calls())
def test_every_method_on_lost_context_is_invalid_state(op) -> None:
    c = webnnpy.ml.create_context(backend="numpy")
    b, args, kwargs, _ = _record(c, op)
    c.destroy()
    # quantizeLinear/dequantizeLinear's steps test only [[hasBuilt]]; webnnpy
    # reads that as a slip and applies "can build" to every method
    with invalid_state(f"{op}:", "context is lost"):
        getattr(b, to_py_name(op))(*args, **kwargs)


def test_core_methods_after_build(ctx) -> None:
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", tdesc())
    t = ctx.create_constant_tensor(tdesc("float32", [1]), bytes(4))
    b.build({"y": b.abs(x)})
    for call in (lambda: b.input("z", tdesc()),
                 lambda: b.constant(tdesc("float32", [1]), bytes(4)),
                 lambda: b.constant("int32", 1),
                 lambda: b.constant(t),
                 lambda: b.constant(np.zeros(1, np.float32)),
                 lambda: b.add(x, x),
                 lambda: b.identity(x),
                 lambda: b.build({"y": b.abs(x)})):
        with pytest.raises(webnnpy.InvalidStateError):
            call()


@pytest.mark.parametrize(("error", "kind"), [
    ("UnsupportedError", "NotSupportedError"), ("CompileError", "OperationError")])
def test_backend_errors_map_to_the_spec_kinds_by_one_table(ctx, monkeypatch, error,
                                                           kind) -> None:
    from webnnpy.backends import errors

    def fail(graph):
        raise getattr(errors, error)("no such kernel")

    monkeypatch.setattr(ctx._backend, "compile", fail)
    b = webnnpy.MLGraphBuilder(ctx)
    with raises(getattr(webnnpy, kind), "build", "no such kernel"):
        b.build({"y": b.abs(b.input("x", tdesc()))})


def test_a_bug_in_a_backend_is_not_converted(ctx, monkeypatch) -> None:
    """Only backend errors become spec errors: a KeyError in a lowering is a
    bug and surfaces as itself."""
    def fail(graph):
        raise KeyError("forgotten attribute")

    monkeypatch.setattr(ctx._backend, "compile", fail)
    b = webnnpy.MLGraphBuilder(ctx)
    with pytest.raises(KeyError, match="forgotten attribute"):
        b.build({"y": b.abs(b.input("x", tdesc()))})
