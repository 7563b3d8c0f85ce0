"""The state handlers work with while an ONNX graph becomes WebNN calls.

A :class:`Tensor` is one ONNX value during import: either a constant (a NumPy
array known at import time: an initializer, a ``Constant`` node, a folded
shape computation) or an ``MLOperand`` of the graph being built.  Handlers
get their inputs as Tensors and reach the builder through
:attr:`ImportContext.b`, which records the WebNN operators each node uses.

Only public webnnpy names are used here (the import rule of ``models/``).
"""

from __future__ import annotations

import math
import os
import weakref
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from onnx import GraphProto, NodeProto

from webnnpy import MLContext, MLGraphBuilder, MLOperand
from webnnpy.models.onnx.errors import (
    InvalidNodeError,
    NeedsConstantError,
    UnsupportedNodeError,
)
from webnnpy.models.onnx.types import (
    BOOL,
    np_dtype_of_onnx,
    onnx_of_np,
    onnx_of_webnn,
    type_name,
    webnn_of_np,
)

__all__ = [
    "Handler",
    "ImportContext",
    "NodeAttributes",
    "NodeInfo",
    "NodeInputs",
    "Tensor",
    "webnn_rejected",
]


class Tensor:
    """One ONNX value during import: a constant array or an MLOperand."""

    __slots__ = ("_materialized", "name", "onnx_type", "operand", "value")

    def __init__(self, name: str, onnx_type: int, *, value: np.ndarray | None = None,
                 operand: MLOperand | None = None) -> None:
        self.name = name
        self.onnx_type = onnx_type
        self.value = value
        self.operand = operand
        self._materialized: MLOperand | None = None

    @property
    def is_const(self) -> bool:
        """True when the value is known at import time."""
        return self.value is not None

    @property
    def shape(self) -> tuple[int, ...]:
        if self.value is not None:
            return tuple(int(d) for d in self.value.shape)
        assert self.operand is not None
        return tuple(self.operand.shape)

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def is_bool(self) -> bool:
        return self.onnx_type == BOOL

    @property
    def data_type(self) -> str | None:
        """The WebNN data type carrying this value (None if WebNN has none)."""
        if self.operand is not None:
            return self.operand.data_type
        assert self.value is not None
        return webnn_of_np(self.value.dtype)

    def __repr__(self) -> str:
        kind = "const" if self.is_const else "operand"
        t = f"{type_name(self.onnx_type)}{list(self.shape)}"
        return f"Tensor({self.name!r}, {t}, {kind})"


@dataclass
class NodeInfo:
    """An ONNX node as handlers see it."""

    proto: NodeProto
    name: str
    op_type: str
    domain: str
    version: int
    """The since-version of the op's schema that the model's opset selects."""
    inputs: list[str]
    outputs: list[str]
    expanded: bool = False
    """True once the node was converted through its ONNX function body."""

    def wants(self, k: int) -> bool:
        """True if the node's output ``k`` is requested (present and named)."""
        return k < len(self.outputs) and bool(self.outputs[k])


class NodeInputs(list):  # type: ignore[type-arg]
    """A node's inputs as its handler reads them: ``inputs[k]`` past the
    node's last input raises an :class:`InvalidNodeError` naming the node and
    the input (the node's ONNX schema is checked before the handler runs, so
    this catches what a schema cannot say, e.g. for contrib ops)."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: ImportContext, inputs: Iterable[Tensor | None]) -> None:
        super().__init__(inputs)
        self._ctx = ctx

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, int) and not -len(self) <= k < len(self):
            raise self._ctx.invalid(f"input {k} is missing: the node has "
                                    f"{len(self)} input{'s' if len(self) != 1 else ''}")
        return super().__getitem__(k)


class NodeAttributes(dict):  # type: ignore[type-arg]
    """A node's attributes as its handler reads them: ``attrs[name]`` of an
    attribute the node lacks raises an :class:`InvalidNodeError` naming the
    node and the attribute (``attrs.get`` gives defaults as usual)."""

    __slots__ = ("_ctx",)

    def __init__(self, ctx: ImportContext, attrs: dict[str, Any]) -> None:
        super().__init__(attrs)
        self._ctx = ctx

    def __missing__(self, name: str) -> Any:
        raise self._ctx.invalid(f"attribute {name!r} is missing, and the op needs it")


#: handler(ctx, node, inputs, attrs) -> outputs
Handler = Callable[["ImportContext", NodeInfo, list["Tensor | None"], dict[str, Any]],
                   Sequence[Any]]


def webnn_rejected(err: BaseException) -> bool:
    """True if ``err`` was raised by webnnpy's own validation (the builder's
    TypeError), not by a bug in a handler."""
    tb = err.__traceback__
    last = None
    while tb is not None:
        last = tb.tb_frame.f_code.co_filename
        tb = tb.tb_next
    if last is None:
        return False
    parts = os.path.normpath(last).split(os.sep)
    return "webnnpy" in parts and ("api" in parts or "ir" in parts)


class _RecordingBuilder:
    """The MLGraphBuilder, with every operator call noted for ``inspect``."""

    def __init__(self, builder: MLGraphBuilder, ctx: ImportContext) -> None:
        self._builder = builder
        # a weak reference: the context holds this object (no cycle)
        self._ctx = weakref.proxy(ctx)

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._builder, name)
        if name.startswith("_") or name in ("input", "constant", "build",
                                              "build_async") or not callable(attr):
            return attr

        def call(*args: Any, **kwargs: Any) -> Any:
            self._ctx.used_ops.append(name)
            return attr(*args, **kwargs)

        return call


@dataclass
class ImportContext:
    """What a handler may use: the builder, the current node, helpers."""

    builder: MLGraphBuilder
    context: MLContext
    opset: int
    """The model's default-domain opset."""
    node: NodeInfo | None = None
    used_ops: list[str] = field(default_factory=list)
    #: value name -> the graph inputs it is computed from
    deps: dict[str, frozenset[str]] = field(default_factory=dict)
    #: the values visible to the current node (sub-graphs read outer ones)
    scope: dict[str, Tensor] = field(default_factory=dict)
    #: runs a sub-graph (an If branch) in the current scope: set by the importer
    run_subgraph: Callable[[GraphProto], list[Tensor | None]] | None = None
    _leaves: dict[int, MLOperand] = field(default_factory=dict)
    _scalars: dict[tuple[str, Any], MLOperand] = field(default_factory=dict)

    def __post_init__(self) -> None:
        #: the builder as handlers call it (every operator call is recorded)
        self.b: Any = _RecordingBuilder(self.builder, self)

    # ------------------------------------------------------------ errors

    def fail(self, reason: str) -> UnsupportedNodeError:
        """An UnsupportedNodeError for the current node (raise it)."""
        n = self.node
        assert n is not None
        return UnsupportedNodeError(n.name, n.op_type, reason, version=n.version,
                                    domain=n.domain)

    def invalid(self, reason: str) -> InvalidNodeError:
        """An InvalidNodeError for the current node (raise it): the node breaks
        what ONNX defines, the file's fault."""
        n = self.node
        assert n is not None
        return InvalidNodeError(n.name, n.op_type, reason, version=n.version,
                                domain=n.domain)

    def needs_constant(self, t: Tensor, what: str) -> NeedsConstantError:
        n = self.node
        assert n is not None
        return NeedsConstantError(
            n.name, n.op_type,
            f"{what} ({t.name!r}) must be known at import time: WebNN takes it as "
            f"a static attribute", value_name=t.name,
            graph_inputs=sorted(self.deps.get(t.name, ())), version=n.version,
            domain=n.domain)

    # --------------------------------------------------------- constants

    def const(self, t: Tensor, what: str) -> np.ndarray:
        """The value of a constant input, or NeedsConstantError."""
        if t.value is None:
            raise self.needs_constant(t, what)
        return t.value

    def scalar_const(self, t: Tensor, what: str) -> Any:
        """The one value of a constant input that ONNX defines as a scalar
        (a Python number), or InvalidNodeError naming the input and shape."""
        v = np.asarray(self.const(t, what))
        if v.size != 1:
            raise self.invalid(f"{what} ({t.name!r}) has shape {list(v.shape)}; "
                               f"the op takes a scalar (one element)")
        return v.reshape(-1)[0].item()

    def scalar_int(self, t: Tensor, what: str) -> int:
        """The one value of a constant integer input that ONNX defines as a
        scalar (an axis, k, depth...), or InvalidNodeError."""
        v = np.asarray(self.const(t, what))
        if v.dtype.kind not in "iu":
            raise self.invalid(f"{what} ({t.name!r}) has type {v.dtype}; the op "
                               f"takes an integer")
        return int(self.scalar_const(t, what))

    def ints(self, t: Tensor, what: str) -> list[int]:
        """A constant integer input as a list of Python ints (an input of
        another type is the file's fault: ONNX takes int64 shapes, axes,
        pads...)."""
        v = np.asarray(self.const(t, what))
        if v.dtype.kind not in "iub":
            raise self.invalid(f"{what} ({t.name!r}) has type {v.dtype}; the op "
                               f"takes integers")
        return [int(a) for a in v.reshape(-1)]

    def constant(self, array: np.ndarray, what: str = "constant") -> MLOperand:
        """A constant operand holding ``array`` (bool as uint8 0/1).  A
        read-only ``np.memmap`` (a mapped initializer) stays one: the
        builder holds it without reading it."""
        a = np.asanyarray(array)
        if a.dtype == np.bool_:
            a = a.astype(np.uint8)
        if webnn_of_np(a.dtype) is None:
            raise self.fail(f"{what} has type {type_name(onnx_of_np(a.dtype))}, "
                            f"which WebNN has no data type for")
        if 0 in a.shape:
            err = self.fail(f"{what} has shape {list(a.shape)}: WebNN has no empty "
                            f"tensors")
            err.empty_input = True
            raise err
        op = self.builder.constant(np.asanyarray(a, order="C"))
        self._leaves[id(op)] = op
        return op

    def scalar(self, value: float | int, data_type: str) -> MLOperand:
        """A scalar constant of ``data_type`` (cached)."""
        key = (data_type, value if not isinstance(value, float) or not math.isnan(value)
               else "nan")
        op = self._scalars.get(key)
        if op is None:
            op = self.builder.constant(data_type, value)
            self._leaves[id(op)] = op
            self._scalars[key] = op
        return op

    def op(self, t: Tensor, what: str = "input") -> MLOperand:
        """The operand of an input, making a constant operand for a constant."""
        if t.operand is not None:
            return t.operand
        if t._materialized is None:
            assert t.value is not None
            t._materialized = self.constant(t.value, f"{what} {t.name!r}")
        return t._materialized

    def is_leaf(self, op: MLOperand) -> bool:
        """True for operands made by input() or constant()."""
        return id(op) in self._leaves

    def add_leaf(self, op: MLOperand) -> None:
        self._leaves[id(op)] = op

    # ------------------------------------------------------------ shapes

    def reshape(self, x: MLOperand, shape: Iterable[int]) -> MLOperand:
        """``x`` reshaped, or ``x`` itself when the shape is unchanged."""
        shape = [int(d) for d in shape]
        if list(x.shape) == shape:
            return x
        return self.b.reshape(x, shape)

    def cast(self, x: MLOperand, data_type: str) -> MLOperand:
        """``x`` cast, or ``x`` itself when it has the type already."""
        return x if x.data_type == data_type else self.b.cast(x, data_type)

    def transpose(self, x: MLOperand, perm: Sequence[int]) -> MLOperand:
        if list(perm) == list(range(len(perm))):
            return x
        return self.b.transpose(x, permutation=list(perm))

    def out(self, op: MLOperand | np.ndarray, onnx_type: int) -> Tensor:
        """An output with an explicit ONNX type (e.g. bool from uint8)."""
        if isinstance(op, np.ndarray):
            return Tensor("", onnx_type, value=op)
        return Tensor("", onnx_type, operand=op)

    def bool_out(self, op: MLOperand) -> Tensor:
        """An output that is an ONNX bool (a uint8 0/1 operand)."""
        return Tensor("", BOOL, operand=op)

    def empty(self, shape: Sequence[int], like: Tensor) -> Tensor:
        """An empty result (a 0 in its shape): it holds no values, so it is a
        constant, which WebNN, having no empty tensors, never sees."""
        dtype = np_dtype_of_onnx(like.onnx_type)
        return Tensor("", like.onnx_type, value=np.zeros(tuple(shape), dtype=dtype))

    def tensor_of(self, op: MLOperand, like: Tensor | None = None) -> Tensor:
        """Wrap an operand, keeping ``like``'s ONNX type when it is bool."""
        if like is not None and like.is_bool and op.data_type == "uint8":
            return Tensor("", BOOL, operand=op)
        return Tensor("", onnx_of_webnn(op.data_type), operand=op)
