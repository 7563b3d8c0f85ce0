"""The core of MLGraphBuilder: operands, input(), constant(), build(), and the
one path (``_op``) through which every operator method records a node.

Operator methods live in ``builder_ops/<family>.py`` mixins; ``builder.py``
assembles them into :class:`~webnnpy.MLGraphBuilder`.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

import numpy as np

from webnnpy._spec import op_table, to_py_name
from webnnpy.api.context import MLContext
from webnnpy.api.descriptors import as_buffer, buffer_to_array, to_desc
from webnnpy.api.dynamic import DynamicInputs, parse_shape, symbolic_shapes
from webnnpy.api.graph import MLGraph
from webnnpy.api.operand import MLOperand
from webnnpy.api.promise import MLPromise
from webnnpy.api.tensor import MLTensor
from webnnpy.dtypes import DATA_TYPES, cast_number, numpy_dtype
from webnnpy.errors import InvalidStateError
from webnnpy.ir.checks import as_number, check_limits, check_output_limits
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph, Node, Value
from webnnpy.ir.mapped import file_range_of
from webnnpy.ir.ops import RULES

__all__ = ["BuilderBase"]

_LABEL_UNSAFE = dict.fromkeys(
    [*range(0x00, 0x20), 0x7F, *range(0x202A, 0x202F), *range(0x2066, 0x206A),
     0x200E, 0x200F, 0x061C])


@cache
def _sequence_args(op: str) -> frozenset[str]:
    """The op's ``sequence<MLOperand>`` arguments (concat's inputs)."""
    return frozenset(a["name"] for a in op_table(op)["arguments"]
                     if a["type"].startswith("sequence<MLOperand"))


def _immutable(arr: np.ndarray) -> bool:
    """Whether no one can write ``arr``'s data: a C-contiguous array, it and
    every array it views read-only, over memory an array owns or over
    ``bytes``.  (Its owner could set ``writeable`` again; ``constant(array)``
    documents that it must not.)"""
    if not arr.flags.c_contiguous or not arr.flags.aligned:
        return False
    b: Any = arr
    while isinstance(b, np.ndarray):
        if b.flags.writeable:
            return False
        if b.base is None:
            return True
        b = b.base
    return isinstance(b, bytes)


@cache
def _option_defaults(op: str) -> dict[str, Any]:
    """The op's options with a non-null IDL default (spec name -> default)."""
    return {name: o["default"] for name, o in (op_table(op).get("options") or {}
                                                ).items() if o["default"] is not None}


def _given(op: str, attrs: Mapping[str, Any]) -> frozenset[str]:
    """The options the caller passed: set, and not the IDL default (which
    the builder's keyword defaults pass along as if given)."""
    defaults = _option_defaults(op)
    out = []
    for name, value in attrs.items():
        if value is None:
            continue
        if name in defaults:
            d = defaults[name]
            v = list(value) if isinstance(value, tuple) else value
            if (type(v) is type(d) and v == d) or (
                    isinstance(d, (int, float)) and not isinstance(d, bool)
                    and isinstance(v, (int, float, np.number)) and v == d):
                continue
        out.append(name)
    return frozenset(out)


def _safe_label(label: str) -> str:
    """A label with control and bidi characters removed, for messages (the
    spec advises sanitizing labels before display)."""
    return label.translate(_LABEL_UNSAFE)


class BuilderBase:
    """State and shared steps of MLGraphBuilder."""

    # Spec: constructor(MLContext context) #api-mlgraphbuilder-constructor
    def __init__(self, context: MLContext) -> None:
        """Create a builder for graphs that will run on ``context``.

        Raises:
            TypeError: ``context`` is not an MLContext.
            InvalidStateError: the context is lost.
        """
        if not isinstance(context, MLContext):
            raise TypeError(f"MLGraphBuilder: expected an MLContext, got "
                            f"{type(context).__name__}")
        if context._is_lost:
            raise InvalidStateError("MLGraphBuilder: the context is lost")
        self._context = context
        self._has_built = False
        self._ids = itertools.count()
        self._input_names: set[str] = set()
        # constant(tensor) operands: value id -> the MLTensor they came from
        self._constant_tensors: dict[int, MLTensor] = {}
        # dynamic input dimensions (an extension: webnnpy.api.dynamic), and
        # the shapes with them of the operands asked for
        self._dynamic: DynamicInputs | None = None
        self._sym_shapes: dict[int, tuple[Any, ...]] = {}

    # ------------------------------------------------------------ helpers

    def _check_can_build(self, op: str) -> None:
        if self._has_built:
            raise InvalidStateError(f"{op}: this MLGraphBuilder has already built "
                                    f"a graph")
        if self._context._is_lost:
            raise InvalidStateError(f"{op}: the builder's context is lost")

    def _new_value(self, desc: Desc, **kw: Any) -> Value:
        return Value(desc, id=next(self._ids), **kw)

    def _operand(self, op: str, name: str, arg: Any) -> Value:
        if not isinstance(arg, MLOperand):
            raise TypeError(f"{op}: {name} must be an MLOperand, got "
                            f"{type(arg).__name__}")
        if arg._builder is not self:
            raise TypeError(f"{op}: {name} was created by another MLGraphBuilder")
        return arg._value

    def _op(self, op: str, operands: Mapping[str, Any], attrs: Mapping[str, Any],
            label: str = "") -> Any:
        """Validate and record one operator; returns its MLOperand (or the list
        of them for ops that return ``sequence<MLOperand>``).

        ``operands`` and ``attrs`` use the spec's argument names; ``attrs``
        holds None where the caller relied on a default.
        """
        # The IDL converts arguments (MLOperand types, the label) before the
        # method steps run, so a wrong-typed argument is a TypeError even on a
        # builder that can no longer build.
        for name, arg in operands.items():
            if arg is None or name in _sequence_args(op):
                continue
            if not isinstance(arg, MLOperand):
                raise TypeError(f"{op}: {to_py_name(name)} must be an MLOperand, got "
                                f"{type(arg).__name__}")
        if not isinstance(label, str):
            raise TypeError(f"{op}: label must be a string, got {label!r}")
        self._check_can_build(op)
        try:
            values: dict[str, Value | list[Value] | None] = {}
            for name, arg in operands.items():
                if arg is None:
                    values[name] = None
                elif name in _sequence_args(op):
                    if not isinstance(arg, Sequence) or isinstance(arg, str):
                        raise TypeError(f"{op}: {to_py_name(name)} must be a sequence "
                                        f"of MLOperand, got {type(arg).__name__}")
                    values[name] = [
                        self._operand(op, f"{to_py_name(name)}[{i}]", a)
                        for i, a in enumerate(arg)]
                else:
                    values[name] = self._operand(op, to_py_name(name), arg)
            descs = {n: (None if v is None else [x.desc for x in v]
                         if isinstance(v, list) else v.desc)
                     for n, v in values.items()}
            limits = self._context._limits.ops[op]
            check_limits(op, descs, limits)
            rule = RULES[op]
            out_descs, norm_attrs = rule.infer(op, descs, dict(attrs))
            check_output_limits(op, out_descs, limits)
            max_bytes = self._context._limits.max_tensor_byte_length
            for d in out_descs:
                if d.byte_length > max_bytes:
                    raise TypeError(f"{op}: output {d} has {d.byte_length} bytes; "
                                    f"at most {max_bytes} are supported")
        except TypeError as e:
            if label:
                # "[label] message", the form browsers use (and WPT checks).
                raise TypeError(f"[{_safe_label(label)}] {e}") from None
            raise
        node = Node(op, values, norm_attrs, [], label, _given(op, attrs),
                    dict(attrs))
        node.outputs = [self._new_value(d, producer=node) for d in out_descs]
        outs = [MLOperand(self, v) for v in node.outputs]
        return outs if rule.multi_output else outs[0]

    # ---------------------------------------------------------- operands

    # Spec: MLOperand input(USVString name, MLOperandDescriptor descriptor) #api-mlgraphbuilder-input
    def input(self, name: str, descriptor: Mapping[str, Any]) -> MLOperand:
        """Declare a named graph input.

        Args:
            name: a non-empty name, unique among this builder's inputs.
            descriptor: an MLOperandDescriptor (``data_type``, ``shape``).

        Raises:
            InvalidStateError: the builder has built or its context is lost.
            TypeError: empty or duplicate name, or an invalid descriptor.
        """
        # IDL conversions of the arguments come before the method steps.
        if not isinstance(name, str):
            raise TypeError(f"input: name must be a string, got {name!r}")
        dynamic = None
        if isinstance(descriptor, Mapping) and "shape" in descriptor:
            dynamic = parse_shape(f"input {name!r}", descriptor["shape"],
                                  self._dynamic.max_sizes if self._dynamic else {})
            if dynamic is not None:  # checked at the maximum sizes
                descriptor = {**descriptor, "shape": dynamic[0]}
        desc, _, _ = to_desc(f"input {name!r}", descriptor)
        self._check_can_build("input")
        if not name:
            raise TypeError("input: name must not be empty")
        if name in self._input_names:
            raise TypeError(f"input: an input named {name!r} already exists")
        self._context._check_dimensions(f"input {name!r}", desc)
        types, lo, hi = self._context._limits.input
        if desc.data_type not in types or not lo <= desc.rank <= hi:
            raise TypeError(f"input {name!r}: {desc} is not a supported graph input")
        self._input_names.add(name)
        if dynamic is not None:
            if self._dynamic is None:
                self._dynamic = DynamicInputs({}, {})
            self._dynamic.max_sizes.update(dynamic[2])
            self._dynamic.shapes[name] = dynamic[1]
        return MLOperand(self, self._new_value(desc, input_name=name))

    def _symbolic_shape(self, value: Value) -> tuple[Any, ...]:
        """``value``'s shape with the dynamic dimensions it has (an extension;
        ``value.desc.shape`` when the builder has none)."""
        if self._dynamic is None or value.is_constant:
            return value.desc.shape
        shape = self._sym_shapes.get(value.id)
        if shape is None:
            shape = symbolic_shapes(self._dynamic, {"v": value})["v"]
            self._sym_shapes[value.id] = shape
        return shape

    # Spec: MLOperand constant(MLOperandDescriptor descriptor, AllowSharedBufferSource buffer) #api-mlgraphbuilder-constant-buffer
    # Spec: MLOperand constant(MLOperandDataType dataType, MLNumber value) #api-mlgraphbuilder-constant-datatype-value
    # Spec: MLOperand constant(MLTensor tensor) #api-mlgraphbuilder-constant-tensor
    def constant(self, *args: Any) -> MLOperand:
        """Create a constant operand, in one of the spec's three forms:

        - ``constant(descriptor, buffer)``: a copy of ``buffer``'s bytes, which
          must match the descriptor (element type and byte length; uint8 bytes
          are always accepted);
        - ``constant(data_type, value)``: a scalar, ``value`` (an int or float;
          ints stay exact for 64-bit types) cast to ``data_type`` as the spec's
          *cast* algorithm says;
        - ``constant(tensor)``: the data of a tensor made by
          ``MLContext.create_constant_tensor``.

        And one declared addition: ``constant(array)`` for a NumPy array of a
        WebNN data type, its dtype and shape giving the descriptor.  A
        read-only array that owns its data (or views only read-only arrays
        and ``bytes``) is held without a copy, since no one can change it:
        do not make it writable again afterwards.  So is a whole read-only
        ``np.memmap`` (mode ``"r"``; the ONNX importer maps a model file's
        weights so): its pages are read only when needed, and a backend
        may read the file itself (:mod:`webnnpy.ir.mapped`); the file must
        not change while the graph is in use (a change is refused when
        compiling).
        """
        if len(args) == 1 and isinstance(args[0], MLTensor):
            return self._constant_tensor(args[0])
        if len(args) == 1 and isinstance(args[0], np.ndarray):
            arr = args[0]
            dt = str(arr.dtype)
            if dt not in DATA_TYPES:
                raise TypeError(f"constant: a {arr.dtype} array has no WebNN data "
                                f"type; expected one of {', '.join(DATA_TYPES)}")
            source = file_range_of(arr)
            if source is not None or _immutable(arr):
                # nobody can change it: held without a copy
                desc = Desc(dt, arr.shape)
                self._check_can_build("constant")
                self._context._check_dimensions("constant", desc)
                return MLOperand(self, self._new_value(desc, constant=arr,
                                                       source=source))
            return self._constant_buffer({"data_type": dt, "shape": arr.shape}, arr)
        if len(args) == 2 and isinstance(args[0], str):
            return self._constant_scalar(args[0], args[1])
        if len(args) == 2:
            return self._constant_buffer(args[0], args[1])
        if len(args) == 1:
            raise TypeError(f"constant: expected an MLTensor (or a NumPy array), "
                            f"got {type(args[0]).__name__}")
        raise TypeError(f"constant: expected (descriptor, buffer), (data_type, "
                        f"value) or (tensor), got {len(args)} arguments")

    def _constant_buffer(self, descriptor: Any, buffer: Any) -> MLOperand:
        desc, _, _ = to_desc("constant", descriptor)  # IDL conversions first
        buf = as_buffer("constant", buffer)
        self._check_can_build("constant")
        self._context._check_dimensions("constant", desc)
        data = buffer_to_array("constant", buf, desc)
        data.flags.writeable = False
        return MLOperand(self, self._new_value(desc, constant=data))

    def _constant_scalar(self, data_type: str, value: Any) -> MLOperand:
        # IDL conversions (the enum, the MLNumber) come first.
        if data_type not in DATA_TYPES:
            raise TypeError(f"constant: data_type {data_type!r} is not an "
                            f"MLOperandDataType; expected one of "
                            f"{', '.join(DATA_TYPES)}")
        number = as_number("constant", "value", value)
        self._check_can_build("constant")
        v = cast_number(number, data_type)
        data = np.array(v, dtype=numpy_dtype(data_type))
        data.flags.writeable = False
        return MLOperand(self, self._new_value(Desc(data_type, ()), constant=data))

    def _constant_tensor(self, tensor: MLTensor) -> MLOperand:
        if tensor._context is not self._context:
            raise TypeError("constant: the tensor belongs to another context")
        if tensor._destroyed:
            raise TypeError("constant: the tensor is destroyed")
        if not tensor._constant:
            raise TypeError("constant: the tensor was not created by "
                            "create_constant_tensor()")
        self._check_can_build("constant")
        value = self._new_value(tensor._desc, constant=tensor._constant_data)
        self._constant_tensors[value.id] = tensor
        return MLOperand(self, value)

    # -------------------------------------------------------------- build

    def _build_promise(self, outputs: Any) -> MLPromise[MLGraph]:
        try:
            named = _as_named_operands(outputs)
        except TypeError as e:
            return MLPromise.rejected(e)
        try:
            self._check_can_build("build")
        except InvalidStateError as e:
            return MLPromise.rejected(e)
        try:
            graph = self._make_graph(named)
        except TypeError as e:
            return MLPromise.rejected(e)
        self._has_built = True
        mlgraph = MLGraph(self._context, graph)
        dyn = self._dynamic
        if dyn is not None and any(n in dyn.shapes for n in graph.inputs):
            mlgraph._dynamic = DynamicInputs(
                dict(dyn.max_sizes),
                {n: dyn.shapes.get(n, graph.inputs[n].desc.shape)
                 for n in graph.inputs})
            mlgraph._sym_outputs = symbolic_shapes(mlgraph._dynamic, graph.outputs)
        return self._context._build_promise(mlgraph)

    def _make_graph(self, outputs: dict[str, MLOperand]) -> Graph:
        """build()'s checks of the outputs, in the spec's order, and the walk."""
        if not outputs:
            raise TypeError("build: outputs must not be empty")
        values: dict[str, Value] = {}
        for name, operand in outputs.items():
            if not name:
                raise TypeError(f"build: output name {name!r} must not be empty")
            v = self._operand("build", f"outputs[{name!r}]", operand)
            if v.is_input or v.is_constant:
                kind = "an input" if v.is_input else "a constant"
                raise TypeError(f"build: outputs[{name!r}] is {kind} operand; wrap "
                                f"it in identity() to output it")
            values[name] = v
        graph = Graph.from_outputs(values)
        for c in graph.constants():
            t = self._constant_tensors.get(c.id)
            if t is not None and t._destroyed:
                raise TypeError(f"build: constant tensor {t!r}, which the "
                                f"outputs depend on, is destroyed")
        return graph

    # Spec: Promise<MLGraph> build(MLNamedOperands outputs) #api-mlgraphbuilder-build
    def build(self, outputs: Mapping[str, MLOperand]) -> MLGraph:
        """Compile the part of the graph that ``outputs`` depend on.

        A builder builds once; afterwards every method raises
        InvalidStateError.

        Args:
            outputs: a non-empty dict of output name -> MLOperand (not an input
                or constant operand).

        Raises:
            InvalidStateError: already built, or the context is lost.
            TypeError: bad outputs.
            OperationError: the backend could not compile the graph.
        """
        return self._build_promise(outputs).result()

    def build_async(self, outputs: Mapping[str, MLOperand]) -> MLPromise[MLGraph]:
        """Awaitable form of :meth:`build`: validates and queues the work on
        the timeline now, as the spec's method does, and returns its MLPromise
        (``await`` it, or block on ``.result()``)."""
        return self._build_promise(outputs)


def _as_named_operands(outputs: Any) -> dict[str, MLOperand]:
    """The IDL conversion of build()'s MLNamedOperands (record<USVString,
    MLOperand>), which comes before the method steps."""
    if not isinstance(outputs, Mapping):
        raise TypeError(f"build: outputs must be a dict of name -> MLOperand, got "
                        f"{type(outputs).__name__}")
    for name, operand in outputs.items():
        if not isinstance(name, str):
            raise TypeError(f"build: output name {name!r} must be a string")
        if not isinstance(operand, MLOperand):
            raise TypeError(f"build: outputs[{name!r}] must be an MLOperand, got "
                            f"{type(operand).__name__}")
    return dict(outputs)
