"""MLContext: the state behind graph building and execution, with its timeline."""

from __future__ import annotations

import functools
import itertools
import json
import logging
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from webnnpy._spec import to_py_name
from webnnpy.api.descriptors import (
    PackedOutput,
    as_buffer,
    buffer_to_array,
    check_buffer,
    check_dimensions,
    to_desc,
    writable_view,
)
from webnnpy.api.graph import MLGraph
from webnnpy.api.promise import MLPromise
from webnnpy.api.tensor import MLTensor
from webnnpy.api.timeline import Timeline
from webnnpy.backends.base import Backend, SupportLimits
from webnnpy.backends.errors import (
    AllocationError,
    BackendError,
    CacheEntryError,
    CompileError,
    ExecutionError,
    TransferError,
    UnsupportedError,
)
from webnnpy.dtypes import DATA_TYPES, numpy_dtype
from webnnpy.errors import (
    DataError,
    DOMException,
    InvalidStateError,
    NotSupportedError,
    OperationError,
    UnknownError,
)
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph, Value
from webnnpy.ir.ops import RULES

__all__ = ["MLContext", "MLContextLostInfo"]

_ids = itertools.count(1)
logger = logging.getLogger("webnnpy")


#: The spec's error kind for each backend error (webnnpy.backends.errors).
BACKEND_ERRORS: dict[type[BackendError], type[Exception]] = {
    UnsupportedError: NotSupportedError,
    CompileError: OperationError,
    AllocationError: UnknownError,
    TransferError: UnknownError,
    ExecutionError: UnknownError,
    CacheEntryError: DataError,
}


def spec_error(where: str, backend: Backend, e: BackendError) -> Exception:
    """The spec error to raise (``from e``) for backend error ``e`` in method
    ``where``: its kind from :data:`BACKEND_ERRORS`, the message naming the
    method and the backend."""
    kind = next((BACKEND_ERRORS[c] for c in type(e).__mro__ if c in BACKEND_ERRORS),
                UnknownError)
    return kind(f"{where}: the {backend.name} backend: {e}")


def _dispatch_failure(where: str, error: BaseException) -> BaseException:
    """What reading a tensor raises when the dispatch that wrote it failed:
    UnknownError for a backend error (already a spec error), the exception
    itself for a bug in the backend (never converted)."""
    if not isinstance(error, DOMException):
        return error
    e = UnknownError(f"{where}: the dispatch that wrote this tensor failed: {error}")
    e.__cause__ = error
    return e


@dataclass(frozen=True)
class MLContextLostInfo:
    """The value ``MLContext.lost`` resolves with."""

    message: str = ""


def _abort_if_lost(ctx_ref: weakref.ref[MLContext], what: str,
                   fn: Callable[[], Any]) -> Callable[[], Any]:
    """Timeline work that rejects with InvalidStateError once the context is
    lost (the spec's "abort when this is lost"): lost before it starts, it does
    not run; lost while it runs, its result is dropped."""

    def lost() -> bool:
        ctx = ctx_ref()
        return ctx is None or ctx._is_lost

    def run() -> Any:
        if lost():
            raise InvalidStateError(f"{what}: the context is lost")
        result = fn()
        if lost():
            raise InvalidStateError(f"{what}: the context was lost while it ran")
        return result

    return run


def _limits_dict(lim: tuple[frozenset[str], int, int]) -> dict[str, Any]:
    types, lo, hi = lim
    return {"data_types": [t for t in DATA_TYPES if t in types],
            "rank_range": {"min": lo, "max": hi}}


# Spec: interface MLContext #api-mlcontext
class MLContext:
    """Global state of graph building and execution, made by
    ``webnnpy.ml.create_context()``.  Work on its tensors and graphs runs in
    order on its own timeline (a worker thread)."""

    def __init__(self, backend: Backend, *, power_preference: str,
                 accelerated: bool) -> None:
        self._backend = backend
        self._power_preference = power_preference
        self._accelerated = accelerated
        self._timeline = Timeline(f"webnnpy-context-{next(_ids)}")
        weakref.finalize(self, self._timeline.close)
        self._lost: MLPromise[MLContextLostInfo] = MLPromise()
        self._graphs: weakref.WeakSet[MLGraph] = weakref.WeakSet()
        self._tensors: weakref.WeakSet[MLTensor] = weakref.WeakSet()

    # ---------------------------------------------------------- attributes

    # Spec: readonly attribute boolean accelerated

    @functools.cached_property
    def _limits(self) -> SupportLimits:
        """The backend's support limits, read on first use (building a graph,
        ``op_support_limits()``): a context whose graphs all come from the
        graph cache never asks, so the ONNX Runtime backend never imports
        its lowering (or onnx) for it."""
        return self._backend.support_limits()
    @property
    def accelerated(self) -> bool:
        """The ``accelerated`` option the context was created with."""
        return self._accelerated

    # Spec: readonly attribute Promise<MLContextLostInfo> lost
    @property
    def lost(self) -> MLPromise[MLContextLostInfo]:
        """Resolves with an MLContextLostInfo when the context is lost
        (``destroy()`` or a device failure).  Await it, or call ``.result()``."""
        return self._lost

    @property
    def backend(self) -> str:
        """The registry name of the backend running this context (a declared
        addition)."""
        return self._backend.name

    @property
    def backend_description(self) -> str:
        """A one-line description of the backend's runtime and device (a
        declared addition)."""
        return self._backend.describe()

    @property
    def _is_lost(self) -> bool:
        return self._lost.done()

    def __repr__(self) -> str:
        state = " lost" if self._is_lost else ""
        return (f"<MLContext backend={self._backend.name!r} "
                f"accelerated={self._accelerated}{state}>")

    # ------------------------------------------------------------- tensors

    def _tensor_promise(self, descriptor: Any) -> MLPromise[MLTensor]:
        # The descriptor's IDL conversion comes before the method steps.
        try:
            desc, readable, writable = to_desc("create_tensor", descriptor,
                                               tensor=True)
        except TypeError as e:
            return MLPromise.rejected(e)
        if self._is_lost:
            return MLPromise.rejected(InvalidStateError("create_tensor: the "
                                                        "context is lost"))
        try:
            self._check_dimensions("create_tensor", desc)
        except TypeError as e:
            return MLPromise.rejected(e)
        tensor = MLTensor(self, desc, readable=readable, writable=writable,
                          constant=False)
        self._tensors.add(tensor)
        backend = self._backend

        def allocate() -> MLTensor:
            try:
                tensor._buffer = backend.allocate(desc)
            except BackendError as e:
                raise spec_error("create_tensor", backend, e) from e
            return tensor

        return self._timeline.enqueue(
            _abort_if_lost(weakref.ref(self), "create_tensor", allocate))

    # Spec: Promise<MLTensor> createTensor(MLTensorDescriptor descriptor)
    def create_tensor(self, descriptor: Mapping[str, Any]) -> MLTensor:
        """Create a zero-filled tensor.

        Args:
            descriptor: an MLTensorDescriptor: ``data_type``, ``shape``,
                ``readable`` (default False), ``writable`` (default False).

        Raises:
            TypeError: bad descriptor.  InvalidStateError: context lost.
            UnknownError: allocation failed.
        """
        return self._tensor_promise(descriptor).result()

    def create_tensor_async(self, descriptor: Mapping[str, Any]
                            ) -> MLPromise[MLTensor]:
        """Awaitable form of :meth:`create_tensor`: validates and queues the work on
        the timeline now, as the spec's method does, and returns its MLPromise
        (``await`` it, or block on ``.result()``)."""
        return self._tensor_promise(descriptor)

    def _constant_tensor_promise(self, descriptor: Any, input_data: Any
                                 ) -> MLPromise[MLTensor]:
        where = "create_constant_tensor"
        # IDL conversions of both arguments, then the method steps in order.
        try:
            desc, _, _ = to_desc(where, descriptor)
            buf = as_buffer(where, input_data)
        except TypeError as e:
            return MLPromise.rejected(e)
        if self._is_lost:
            return MLPromise.rejected(InvalidStateError(f"{where}: the context "
                                                        f"is lost"))
        try:
            self._check_dimensions(where, desc)
            data = buffer_to_array(where, buf, desc)
        except TypeError as e:
            return MLPromise.rejected(e)
        data.flags.writeable = False
        tensor = MLTensor(self, desc, readable=False, writable=False,
                          constant=True, constant_data=data)
        self._tensors.add(tensor)
        backend = self._backend

        def upload() -> MLTensor:
            try:
                tensor._buffer = backend.upload(desc, data)
            except BackendError as e:
                raise spec_error(where, backend, e) from e
            return tensor

        return self._timeline.enqueue(_abort_if_lost(weakref.ref(self), where,
                                                     upload))

    # Spec: Promise<MLTensor> createConstantTensor(MLOperandDescriptor descriptor, AllowSharedBufferSource inputData)
    def create_constant_tensor(self, descriptor: Mapping[str, Any],
                               input_data: Any) -> MLTensor:
        """Create a constant tensor (not readable or writable) holding a copy of
        ``input_data``, for ``MLGraphBuilder.constant(tensor)``.

        Args:
            descriptor: an MLOperandDescriptor (``data_type``, ``shape``).
            input_data: a buffer of exactly the descriptor's byte length whose
                element type matches ``data_type`` (or uint8 bytes).
        """
        return self._constant_tensor_promise(descriptor, input_data).result()

    def create_constant_tensor_async(self, descriptor: Mapping[str, Any],
                                           input_data: Any) -> MLPromise[MLTensor]:
        """Awaitable form of :meth:`create_constant_tensor`: validates and queues the work on
        the timeline now, as the spec's method does, and returns its MLPromise
        (``await`` it, or block on ``.result()``)."""
        return self._constant_tensor_promise(descriptor, input_data)

    def _check_tensor(self, where: str, what: str, tensor: MLTensor) -> None:
        """The spec's checks of a tensor argument: it is this context's and
        not destroyed (TypeError otherwise)."""
        if tensor._context is not self:
            raise TypeError(f"{where}: {what} {tensor!r} belongs to another "
                            f"context")
        if tensor._destroyed:
            raise TypeError(f"{where}: {what} {tensor!r} is destroyed")

    def _read_target(self, where: str, tensor: Any, output_data: Any
                     ) -> tuple[MLTensor, Any]:
        """The checked tensor of a read and the view it copies into (None:
        a new array), raising the spec's TypeErrors."""
        t = _as_tensor(where, "tensor", tensor)
        buf = None if output_data is None else as_buffer(where, output_data)
        self._check_tensor(where, "tensor", t)
        if not t._readable:
            raise TypeError(f"{where}: tensor {t!r} is not readable; create "
                            f"it with readable=True")
        return t, None if buf is None else writable_view(where, buf, t._desc)

    def _read_promise(self, tensor: Any, output_data: Any = None
                      ) -> MLPromise[Any]:
        where = "read_tensor"
        try:
            t, out = self._read_target(where, tensor, output_data)
        except TypeError as e:
            return MLPromise.rejected(e)
        promise: MLPromise[Any] = MLPromise()
        t._pending.add(promise)
        backend = self._backend

        def read() -> np.ndarray | None:
            # The promise stays in t._pending: as in JavaScript, where it
            # settles in a later task, destroying the tensor before the caller
            # takes the result still rejects it.
            if t._error is not None:
                raise _dispatch_failure(where, t._error)
            try:
                if out is None:
                    return backend.read(t._buffer)
                if isinstance(out, PackedOutput):  # int4/uint4 raw bytes
                    out.store(backend.read(t._buffer))
                    return None
                backend.read_into(t._buffer, out)
                return None
            except BackendError as e:
                raise spec_error(where, backend, e) from e

        return self._timeline.enqueue(_abort_if_lost(weakref.ref(self), where, read),
                                      promise)

    # Spec: Promise<ArrayBuffer> readTensor(MLTensor tensor)
    # Spec: Promise<undefined> readTensor(MLTensor tensor, AllowSharedBufferSource outputData)
    def read_tensor(self, tensor: MLTensor, output_data: Any = None
                    ) -> np.ndarray | None:
        """Read a readable tensor once the work queued before has run.

        With one argument, returns a new NumPy array of the tensor's data type
        and shape (the spec returns an ArrayBuffer: a declared change).  With
        ``output_data`` (any writable, C-contiguous buffer of the tensor's byte
        length whose element type matches, or uint8), copies into it and
        returns None.

        Raises:
            TypeError: wrong context, destroyed, not readable, bad buffer.
            InvalidStateError: the tensor was destroyed or the context lost
                before the read ran.
        """
        where = "read_tensor"
        out: np.ndarray | PackedOutput | None
        if (type(output_data) is np.ndarray and type(tensor) is MLTensor
                and tensor._context_ref() is self and tensor._readable
                and not tensor._destroyed
                and output_data.dtype is tensor._host_dtype
                and output_data.shape == tensor._desc.shape
                and output_data.flags.writeable
                and output_data.flags.c_contiguous):
            # Fast path: a writable C-contiguous array of exactly the tensor's
            # dtype and shape passes every check below as it is.
            t, out = tensor, output_data
        else:
            t, out = self._read_target(where, tensor, output_data)
        if self._is_lost:
            raise InvalidStateError(f"{where}: the context is lost")
        tl = self._timeline
        if not tl.on_timeline and tl._run_lock.acquire(blocking=False):
            # the timeline is idle: run what is queued, then read, right here
            # (the same as Timeline.call, without its closure)
            try:
                while tl._items and tl._run_one():
                    pass
                return self._read_now(t, out)
            finally:
                tl._release()
        return tl.call(lambda: self._read_now(t, out), t._pending)

    def _read_now(self, t: MLTensor, out: np.ndarray | PackedOutput | None
                  ) -> np.ndarray | None:
        """The read itself, on the timeline (the spec's enqueued steps)."""
        where = "read_tensor"
        if self._is_lost:
            raise InvalidStateError(f"{where}: the context is lost")
        if t._destroyed:
            raise InvalidStateError(f"{where}: the tensor was destroyed before the "
                                    f"read completed")
        if t._error is not None:
            raise _dispatch_failure(where, t._error)
        try:
            if out is None:
                return self._backend.read(t._buffer)
            if isinstance(out, PackedOutput):  # int4/uint4 raw bytes
                out.store(self._backend.read(t._buffer))
                return None
            self._backend.read_into(t._buffer, out)
            return None
        except BackendError as e:
            raise spec_error(where, self._backend, e) from e

    def read_tensor_async(self, tensor: MLTensor, output_data: Any = None
                                ) -> MLPromise[np.ndarray | None]:
        """Awaitable form of :meth:`read_tensor`: validates and queues the work on
        the timeline now, as the spec's method does, and returns its MLPromise
        (``await`` it, or block on ``.result()``)."""
        return self._read_promise(tensor, output_data)

    # Spec: undefined writeTensor(MLTensor tensor, AllowSharedBufferSource inputData)
    def write_tensor(self, tensor: MLTensor, input_data: Any) -> None:
        """Queue a write of a copy of ``input_data`` into a writable tensor.

        Validates and copies the bytes now; returns at once.

        Raises:
            TypeError: wrong context, destroyed, not writable, bad buffer.
        """
        where = "write_tensor"
        # Fast path: a NumPy array of exactly the tensor's data type and shape
        # into a live, writable tensor of this context passes every check of
        # the slow path below (IDL conversions, context, destroyed, writable,
        # byte length and element type); it is copied as that path copies it
        # and queued without a promise (nobody can wait on a write).
        if (type(input_data) is np.ndarray and type(tensor) is MLTensor
                and tensor._context_ref() is self and tensor._writable
                and not tensor._destroyed):
            dt = tensor._host_dtype
            if (dt is not None and input_data.dtype is dt
                    and input_data.shape == tensor._desc.shape):
                self._timeline.post(self._write_work(tensor, input_data.copy()))
                return
        t = _as_tensor(where, "tensor", tensor)
        buf = as_buffer(where, input_data)
        self._check_tensor(where, "tensor", t)
        if not t._writable:
            raise TypeError(f"{where}: tensor {t!r} is not writable; create it "
                            f"with writable=True")
        data = buffer_to_array(where, buf, t._desc)
        backend = self._backend

        def write() -> None:
            if not t._destroyed:
                backend.write(t._buffer, data)
                t._error = None

        self._timeline.enqueue(_abort_if_lost(weakref.ref(self), where, write))

    def _write_work(self, t: MLTensor, data: np.ndarray) -> Callable[[], None]:
        """The timeline work of a write (the fast path's): skipped once the
        context is lost or the tensor destroyed, as the slow path's is."""
        ctx_ref, backend = weakref.ref(self), self._backend

        def write() -> None:
            ctx = ctx_ref()
            if ctx is None or ctx._is_lost or t._destroyed:
                return
            backend.write(t._buffer, data)
            t._error = None

        return write

    def _release_tensor(self, tensor: MLTensor) -> None:
        backend = self._backend

        def release() -> None:
            buf, tensor._buffer = tensor._buffer, None
            if buf is not None:
                backend.release(buf)

        self._timeline.enqueue(release)

    # ------------------------------------------------------------- graphs

    def _build_promise(self, graph: MLGraph) -> MLPromise[MLGraph]:
        self._graphs.add(graph)
        backend = self._backend

        def compile_graph() -> MLGraph:
            for node in graph._ir.nodes:
                check = RULES[node.op].build_check
                why = None if check is None else check(node)
                if why is not None:
                    raise OperationError(f"build: {why}")
            try:
                graph._impl = backend.compile(graph._ir)
            except BackendError as e:
                raise spec_error("build", backend, e) from e
            return graph

        return self._timeline.enqueue(_abort_if_lost(weakref.ref(self), "build",
                                                     compile_graph))

    def _release_graph(self, graph: MLGraph) -> None:
        backend = self._backend

        def release() -> None:
            impl, graph._impl = graph._impl, None
            if impl is not None:
                backend.release_graph(impl)

        self._timeline.enqueue(release)

    # Spec: undefined dispatch(MLGraph graph, MLNamedTensors inputs, MLNamedTensors outputs)
    def dispatch(self, graph: MLGraph, inputs: Mapping[str, MLTensor],
                 outputs: Mapping[str, MLTensor]) -> None:
        """Queue a run of ``graph`` reading ``inputs`` and writing ``outputs``.

        Validates now and returns at once; read an output tensor to wait for
        the result.

        Raises:
            TypeError: graph of another context, a tensor used twice, of another
                context or destroyed, names or descriptors that do not match the
                graph's exactly, or a constant tensor bound.
            InvalidStateError: the graph is destroyed.
        """
        where = "dispatch"
        # Fast path: the same graph with the same tensors as its last dispatch
        # was validated then, and only [[isDestroyed]] can have changed since.
        # The comparison is by identity: ``==`` would let a value that is not
        # an MLTensor (an ndarray) decide, and must not.
        if (type(inputs) is dict and type(outputs) is dict
                and type(graph) is MLGraph and graph._context_ref() is self
                and not graph._destroyed):
            # The last two bindings are kept: a decoder alternating two cache
            # sets (inputs of one step, outputs of the next) hits both.
            for bound in (graph._last_binding, graph._prev_binding):
                if (bound is not None and _same_tensors(bound[0], inputs)
                        and _same_tensors(bound[1], outputs)):
                    for t in bound[2]:
                        if t._destroyed:
                            break
                    else:
                        if bound is graph._prev_binding:
                            graph._prev_binding = graph._last_binding
                            graph._last_binding = bound
                        self._timeline.post(bound[3])
                        return
                    break
        # IDL conversions of the three arguments come first.
        if not isinstance(graph, MLGraph):
            raise TypeError(f"{where}: graph must be an MLGraph, got "
                            f"{type(graph).__name__}")
        in_t = _as_named_tensors(where, "inputs", inputs)
        out_t = _as_named_tensors(where, "outputs", outputs)
        if graph._context is not self:
            raise TypeError(f"{where}: graph {graph!r} belongs to another context")
        if graph._destroyed:
            raise InvalidStateError(f"{where}: graph {graph!r} is destroyed")
        labelled = [(f"{what}[{name!r}]", t)
                    for what, rec in (("inputs", in_t), ("outputs", out_t))
                    for name, t in rec.items()]
        seen: dict[int, str] = {}
        for label, t in labelled:
            if id(t) in seen:
                raise TypeError(f"{where}: {label} is the same MLTensor as "
                                f"{seen[id(t)]}; a tensor may appear only once "
                                f"among inputs and outputs")
            seen[id(t)] = label
        for label, t in labelled:
            self._check_tensor(where, label, t)
        if graph._dynamic is not None:  # an extension: webnnpy.api.dynamic
            static = self._specialized(where, graph, in_t,
                                       {n: t._desc.shape for n, t in in_t.items()})
            _validate_named(where, "inputs", in_t, static._input_descs)
            _validate_named(where, "outputs", out_t, static._output_descs)
            run = self._dispatch_work(static, in_t, out_t)
            graph._prev_binding = graph._last_binding
            graph._last_binding = (in_t, out_t, tuple(t for _, t in labelled), run)
            self._timeline.post(run)
            return
        _validate_named(where, "inputs", in_t, graph._input_descs)
        _validate_named(where, "outputs", out_t, graph._output_descs)
        run = self._dispatch_work(graph, in_t, out_t)
        graph._prev_binding = graph._last_binding
        graph._last_binding = (in_t, out_t, tuple(t for _, t in labelled), run)
        self._timeline.post(run)

    def _dispatch_work(self, graph: MLGraph, in_t: dict[str, MLTensor],
                       out_t: dict[str, MLTensor]) -> Callable[[], None]:
        """The timeline work of one dispatch binding (reused while the same
        graph runs on the same tensors)."""
        backend = self._backend
        bufs: list[dict[str, Any]] = []

        def run() -> None:
            if self._is_lost:
                return  # aborted by context loss
            if not bufs:  # the tensors' buffers, looked up on first run
                bufs[:] = [_buffers(in_t), _buffers(out_t)]
            try:
                backend.dispatch(graph._impl, bufs[0], bufs[1])
            except BackendError as e:
                # The spec has no error path here (its issue 778); rather than
                # leave stale data to be read silently, the outputs remember
                # the failure and a later read_tensor rejects with it.
                err = spec_error("dispatch", backend, e)
                err.__cause__ = e
                for t in out_t.values():
                    t._error = err
                logger.error("dispatch failed on the timeline: %s", err, exc_info=e)
                return
            except BaseException as e:
                # Not a backend error: a bug in the backend.  It is not
                # converted: the outputs keep it (read_tensor raises it as it
                # is) and the timeline logs it.
                for t in out_t.values():
                    t._error = e
                raise
            for t in out_t.values():
                t._error = None

        return run

    def compute(self, graph: MLGraph, inputs: Mapping[str, Any]
                ) -> dict[str, np.ndarray]:
        """Run ``graph`` on host arrays and return its outputs as NumPy arrays.

        A declared addition to the spec (which removed ``compute()`` in favour
        of tensors): it writes the inputs into tensors the graph keeps for
        ``compute()``, runs the graph and reads every output into a new array,
        all as one step on the context's timeline (after the work queued
        before it, and never interleaved with another ``compute()``).

        Each input must be an array of the input's data type and exactly its
        shape: unlike ``write_tensor``, which checks only the byte length, a
        float32 array of shape [4] for a [2, 2] input is a TypeError (a 0-D or
        one-element array is accepted for a scalar, [], input).  Raw bytes
        (``bytes``, ``bytearray``, or uint8 data for an input of another data
        type) are checked by byte length only, as ``write_tensor`` checks
        them.  An array of exactly the right dtype and shape is copied once,
        into the tensor.

        Raises:
            TypeError: not an MLGraph, a graph of another context, inputs that
                are not a dict or whose names differ from the graph's, an
                input of the wrong data type, byte length or shape.
            InvalidStateError: the context is lost or the graph destroyed.
            UnknownError: the backend failed to run the graph.
        """
        plan = graph._compute if type(graph) is MLGraph else None
        if plan is not None and type(inputs) is dict and len(inputs) == plan.n:
            # Fast path: a plan exists, so the graph is ours and was validated;
            # arrays of exactly the right dtype and shape need no more checks.
            arrays: list[Any] | None = []
            for name, dt, shape in plan.fast:
                arr = inputs.get(name)
                if type(arr) is not np.ndarray or arr.dtype is not dt \
                        or arr.shape != shape:
                    arrays = None
                    break
                arrays.append(arr)  # type: ignore[union-attr]
            if arrays is not None and graph._context_ref() is self:
                # (a lost context or destroyed graph is refused by the step)
                return self._run_compute(graph, plan, arrays)
        return self._compute_checked(graph, inputs)

    def _compute_checked(self, graph: Any, inputs: Any) -> dict[str, np.ndarray]:
        """compute() with every check, in order, and the plan made on first use."""
        where = "compute"
        if not isinstance(graph, MLGraph):
            raise TypeError(f"{where}: expected an MLGraph, got {type(graph).__name__}")
        if not isinstance(inputs, Mapping):
            raise TypeError(f"{where}: inputs must be a dict of name -> array, got "
                            f"{type(inputs).__name__}")
        if graph._context is not self:
            raise TypeError(f"{where}: graph {graph!r} belongs to another context")
        if self._is_lost:
            raise InvalidStateError(f"{where}: the context is lost")
        if graph._destroyed:
            raise InvalidStateError(f"{where}: graph {graph!r} is destroyed")
        descs = graph._input_descs
        if len(inputs) != len(descs) or any(n not in inputs for n in descs):
            raise TypeError(f"{where}: inputs {sorted(inputs)} do not match the "
                            f"graph's inputs {sorted(descs)}")
        if graph._dynamic is not None:  # an extension: webnnpy.api.dynamic
            shapes = {}
            for n, a in inputs.items():
                if not isinstance(a, np.ndarray):
                    raise TypeError(f"{where}: input {n!r} of a graph with dynamic "
                                    f"dimensions must be a numpy array (its shape "
                                    f"gives the sizes), got {type(a).__name__}")
                shapes[n] = a.shape
            return self.compute(self._specialized(where, graph, inputs, shapes),
                                inputs)
        arrays = [_compute_input(name, inputs[name], d) for name, d in descs.items()]
        plan = graph._compute
        if plan is None:
            with graph._compute_lock:
                plan = graph._compute
                if plan is None:
                    plan = graph._compute = self._compute_plan(graph)
        return self._run_compute(graph, plan, arrays)

    #: how many static graphs a graph with dynamic dimensions keeps compiled
    #: (one per combination of concrete sizes; least recently used first out)
    dynamic_graph_cache_size: int = 16

    def _specialized(self, where: str, graph: MLGraph, inputs: Mapping[str, Any],
                     shapes: Mapping[str, Any]) -> MLGraph:
        """The static graph of ``graph`` (which has dynamic dimensions) for
        these concrete input shapes: checked against the declared dimensions
        and by every op's rule (TypeError), compiled on first use."""
        from webnnpy.api.dynamic import check_concrete
        from webnnpy.ir.specialize import specialize

        dyn = graph._dynamic
        assert dyn is not None
        if set(inputs) != set(dyn.shapes):
            raise TypeError(f"{where}: inputs {sorted(inputs)} do not match the "
                            f"graph's inputs {sorted(dyn.shapes)}")
        concrete = check_concrete(where, dyn, shapes)
        key = tuple(concrete[n] for n in sorted(concrete))
        with graph._specialized_lock:
            static = graph._specialized.get(key)
            if static is not None:
                graph._specialized.move_to_end(key)
                return static
        ir = specialize(graph._ir, concrete)
        static = MLGraph(self, ir)
        self._build_promise(static).result()
        with graph._specialized_lock:
            graph._specialized[key] = static
            while len(graph._specialized) > max(1, self.dynamic_graph_cache_size):
                _, old = graph._specialized.popitem(last=False)
                graph._last_binding = None
                old.destroy()
        return static

    def _compute_plan(self, graph: MLGraph) -> _ComputePlan:
        """Make the tensors compute() reuses on ``graph`` (creating tensors
        per call would cost more than a small graph's run)."""
        in_t = {n: self.create_tensor({"data_type": d.data_type, "shape": d.shape,
                                       "writable": True})
                for n, d in graph._input_descs.items()}
        out_t = {n: self.create_tensor({"data_type": d.data_type, "shape": d.shape,
                                        "readable": True})
                 for n, d in graph._output_descs.items()}
        return _ComputePlan(graph, in_t, out_t)

    def _run_compute(self, graph: MLGraph, plan: _ComputePlan,
                     arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
        """Write, run and read as one item of the timeline: right here when
        the timeline is idle (after what is queued), else through its queue."""
        tl = self._timeline
        if tl._run_lock.acquire(blocking=False):
            # (the worker holds this lock whenever it runs anything, so a
            # callback on the timeline never gets here)
            try:
                while tl._items and tl._run_one():
                    pass
                return self._compute_now(graph, plan, arrays)
            finally:
                tl._release()
        return tl.call(lambda: self._compute_now(graph, plan, arrays))  # type: ignore[no-any-return]

    def _compute_now(self, graph: MLGraph, plan: _ComputePlan,
                     arrays: list[np.ndarray]) -> dict[str, np.ndarray]:
        """compute()'s work, on the timeline."""
        if self._lost.done():  # the context is lost
            raise InvalidStateError("compute: the context is lost")
        if graph._destroyed:
            raise InvalidStateError(f"compute: graph {graph!r} is destroyed")
        backend = self._backend
        try:
            for buf, arr in zip(plan.in_list, arrays, strict=True):
                backend.write(buf, arr)
            backend.dispatch(graph._impl, plan.in_bufs, plan.out_bufs)
            return {name: backend.read(buf) for name, buf in plan.out_items}
        except BackendError as e:
            raise spec_error("compute", backend, e) from e

    # ------------------------------------------- graph cache (an extension)
    #
    # The WebNN MLGraph cache explainer's saveGraph/loadGraph/listGraphs/
    # deleteGraph, in snake_case, declared in apidiff; the store is
    # webnnpy.api.graph_cache, the compiled form the backend's own
    # (Backend.export_compiled/import_compiled).  See docs/graph_cache.md.

    def _graph_store(self, where: str) -> Any:
        from webnnpy.api.graph_cache import GraphStore

        if self._is_lost:
            raise InvalidStateError(f"{where}: the context is lost")
        fp = self._backend.cache_fingerprint()
        if fp is None:
            raise NotSupportedError(f"{where}: the {self._backend.name} backend "
                                    f"cannot save or load compiled graphs")
        return GraphStore(self._backend.name, fp)

    def _save_graph_promise(self, key: Any, graph: Any, metadata: Any
                            ) -> MLPromise[None]:
        where = "save_graph"
        try:
            _check_key(where, key)
            if not isinstance(graph, MLGraph):
                raise TypeError(f"{where}: graph must be an MLGraph, got "
                                f"{type(graph).__name__}")
            if graph._context is not self:
                raise TypeError(f"{where}: graph {graph!r} belongs to another "
                                f"context")
            if metadata is not None:
                if not isinstance(metadata, Mapping):
                    raise TypeError(f"{where}: metadata must be a dict, got "
                                    f"{type(metadata).__name__}")
                try:
                    json.dumps(dict(metadata))
                except (TypeError, ValueError) as e:
                    raise TypeError(f"{where}: metadata must be JSON-serializable: "
                                    f"{e}") from e
            if graph._destroyed:
                raise InvalidStateError(f"{where}: graph {graph!r} is destroyed")
            if graph._dynamic is not None:
                raise NotSupportedError(f"{where}: graph {graph!r} has dynamic input "
                                        f"dimensions; the cache stores static "
                                        f"graphs")
            store = self._graph_store(where)
        except (TypeError, InvalidStateError, NotSupportedError) as e:
            return MLPromise.rejected(e)
        backend = self._backend

        def save() -> None:
            impl = graph._impl
            if impl is None or graph._destroyed:
                raise InvalidStateError(f"{where}: graph {graph!r} is destroyed")
            try:
                store.save(where, key, lambda d: backend.export_compiled(impl, d),
                           _descs_json(graph._input_descs),
                           _descs_json(graph._output_descs), metadata)
            except BackendError as e:
                raise spec_error(where, backend, e) from e

        return self._timeline.enqueue(_abort_if_lost(weakref.ref(self), where, save))

    def save_graph(self, key: str, graph: MLGraph, *,
                   metadata: Mapping[str, Any] | None = None) -> None:
        """Save ``graph``'s compiled form under ``key`` in the on-disk graph
        cache (the graph-cache explainer's ``saveGraph``, a declared
        extension), replacing any graph saved under that key for this
        backend, runtime version and machine.

        Args:
            key: any string naming the entry.
            graph: a built graph of this context.
            metadata: a JSON-serializable dict stored with the entry (see
                ``webnnpy.api.graph_cache.load_graph_with_metadata``).

        Raises:
            TypeError: bad key, graph of another context, metadata that JSON
                cannot hold.  InvalidStateError: graph destroyed, context lost.
            NotSupportedError: the backend cannot save compiled graphs.
            OperationError: the cache directory cannot be written (read-only,
                full); the message names it.
        """
        self._save_graph_promise(key, graph, metadata).result()

    def save_graph_async(self, key: str, graph: MLGraph, *,
                         metadata: Mapping[str, Any] | None = None
                         ) -> MLPromise[None]:
        """Awaitable form of :meth:`save_graph`: validates and queues the work on
        the timeline now, and returns its MLPromise."""
        return self._save_graph_promise(key, graph, metadata)

    def _load_graph_promise(self, key: Any, with_metadata: bool = True
                            ) -> MLPromise[Any]:
        where = "load_graph"
        try:
            _check_key(where, key)
            store = self._graph_store(where)
        except (TypeError, InvalidStateError, NotSupportedError) as e:
            return MLPromise.rejected(e)
        backend = self._backend

        def load() -> Any:
            for attempt in range(3):
                entry = store.load(where, key)
                man = entry.manifest
                try:
                    impl = backend.import_compiled(entry.directory,
                                                   man.get("backend_meta") or {})
                except CacheEntryError as e:
                    if attempt < 2 and store.replaced(key, man):
                        continue  # a concurrent writer replaced it: read again
                    raise DataError(f"{where}: the {backend.name} backend could not "
                                    f"load the cache entry of {key!r} in "
                                    f"{entry.directory}: {e}; delete_graph({key!r}) "
                                    f"removes it") from e
                except BackendError as e:
                    raise spec_error(where, backend, e) from e
                break
            try:
                ir = Graph(
                    {n: Value(d, input_name=n) for n, d in
                     _descs_of(where, key, man["inputs"]).items()},
                    {n: Value(d) for n, d in
                     _descs_of(where, key, man["outputs"]).items()}, [])
            except DataError:
                backend.release_graph(impl)
                raise
            graph = MLGraph(self, ir)
            graph._impl = impl
            self._graphs.add(graph)
            return (graph, man.get("metadata") or {}) if with_metadata else graph

        return self._timeline.enqueue(_abort_if_lost(weakref.ref(self), where, load))

    def load_graph(self, key: str) -> MLGraph:
        """The graph saved under ``key`` by :meth:`save_graph` (the
        explainer's ``loadGraph``, a declared extension), ready to dispatch
        without a builder.

        Raises:
            TypeError: a key that is not a string.
            NotFoundError: nothing saved under ``key`` for this backend,
                runtime version and machine (the message says when entries
                exist for others).
            DataError: the entry is corrupt, truncated or foreign.
            NotSupportedError: the backend cannot load compiled graphs.
            InvalidStateError: the context is lost.
        """
        return self._load_graph_promise(key, with_metadata=False).result()  # type: ignore[no-any-return]

    def load_graph_async(self, key: str) -> MLPromise[MLGraph]:
        """Awaitable form of :meth:`load_graph`: validates and queues the work on
        the timeline now, and returns its MLPromise."""
        return self._load_graph_promise(key, with_metadata=False)

    def list_graphs(self) -> list[str]:
        """The keys of every graph saved for this backend, runtime version and
        machine, sorted (the explainer's ``listGraphs``, a declared
        extension).  Unreadable entries are left out, with a log message.

        Raises:
            NotSupportedError: the backend cannot save compiled graphs.
            InvalidStateError: the context is lost.
        """
        return self._graph_store("list_graphs").keys()  # type: ignore[no-any-return]

    def list_graphs_async(self) -> MLPromise[list[str]]:
        """Awaitable form of :meth:`list_graphs`."""
        try:
            keys = self.list_graphs()
        except (InvalidStateError, NotSupportedError) as e:
            return MLPromise.rejected(e)
        p: MLPromise[list[str]] = MLPromise()
        p.resolve(keys)
        return p

    def delete_graph(self, key: str) -> None:
        """Remove the graph saved under ``key`` (the explainer's
        ``deleteGraph``, a declared extension); nothing happens when there is
        none.  Graphs loaded from it keep working.

        Raises:
            TypeError: a key that is not a string.
            NotSupportedError: the backend cannot save compiled graphs.
            InvalidStateError: the context is lost.
        """
        _check_key("delete_graph", key)
        self._graph_store("delete_graph").delete(key)

    # ------------------------------------------------------------- limits

    # Spec: MLOpSupportLimits opSupportLimits()
    def op_support_limits(self) -> dict[str, Any]:
        """What this context supports: per op and per operand, the data types and
        the rank range (an MLOpSupportLimits with snake_case keys).

        Example: ``ctx.op_support_limits()["conv2d"]["input"]`` ->
        ``{"data_types": ["float32", "float16"], "rank_range": {"min": 4, "max": 4}}``.
        """
        lim = self._limits
        out: dict[str, Any] = {
            "preferred_input_layout": lim.preferred_input_layout,
            "max_tensor_byte_length": lim.max_tensor_byte_length,
            "input": _limits_dict(lim.input),
            "constant": _limits_dict(lim.constant),
            "output": _limits_dict(lim.output),
        }
        for op, operands in lim.ops.items():
            out[to_py_name(op)] = {to_py_name(k): _limits_dict(v)
                                   for k, v in operands.items()}
        return out

    def _check_dimensions(self, where: str, desc: Desc) -> None:
        check_dimensions(where, desc, *self._tensor_limits)

    @functools.cached_property
    def _tensor_limits(self) -> tuple[int, int]:
        """(highest rank, most bytes) of a tensor: ``Backend.tensor_limits``
        (a tensor made for a graph from the graph cache needs no more)."""
        return self._backend.tensor_limits()

    # ------------------------------------------------------------ destroy

    # Spec: undefined destroy() #api-mlcontext-destroy
    def destroy(self) -> None:
        """Lose the context: ``lost`` resolves, every graph and tensor of the
        context is destroyed, and queued work fails with InvalidStateError."""
        if self._is_lost:
            return
        self._lose("destroy() was called")

    def _lose(self, message: str) -> None:
        self._lost.resolve(MLContextLostInfo(message))
        for g in list(self._graphs):
            g.destroy()
            g._impl = None
        for t in list(self._tensors):
            t.destroy()
            t._buffer = None
        self._timeline.close()


class _ComputePlan:
    """What compute() reuses on one graph: its tensors (owned by the graph,
    destroyed with it), their backend buffers in the dicts dispatch takes
    (the same dict objects every call, which a backend may use to skip
    rebinding), and per input the (name, NumPy dtype, shape) that the fast
    path compares an array against."""

    __slots__ = ("fast", "in_bufs", "in_list", "n", "out_bufs", "out_items",
                 "tensors")

    def __init__(self, graph: MLGraph, in_t: dict[str, MLTensor],
                 out_t: dict[str, MLTensor]) -> None:
        self.tensors = (in_t, out_t)
        descs = graph._input_descs
        self.fast = tuple((n, numpy_dtype(d.data_type), d.shape)
                          for n, d in descs.items())
        self.n = len(descs)
        self.in_bufs = _buffers({n: in_t[n] for n in descs})
        self.in_list = tuple(self.in_bufs.values())
        self.out_bufs = _buffers(out_t)
        self.out_items = tuple(self.out_bufs.items())


def _compute_input(name: str, value: Any, desc: Desc) -> np.ndarray:
    """One compute() input, validated (byte length and element type as
    write_tensor checks them, then, unless it is raw bytes, the exact shape)
    and as an array of the input's dtype and shape: the caller's own array
    when it already is one, else a copy."""
    where = f"compute: inputs[{name!r}]"
    arr = as_buffer(where, value)
    check_buffer(where, arr, desc)
    raw = arr.dtype == np.uint8 and (desc.data_type != "uint8"
                                     or not isinstance(value, np.ndarray))
    if not raw and arr.shape != desc.shape \
            and not (desc.shape == () and arr.size == 1):
        raise TypeError(f"{where} has shape {list(arr.shape)}, but the graph's "
                        f"input {name!r} has shape {list(desc.shape)}; compute() "
                        f"takes arrays of exactly the input's shape")
    dt = numpy_dtype(desc.data_type)
    if arr.dtype == dt and arr.shape == desc.shape:
        return arr
    return buffer_to_array(where, arr, desc)


def _check_key(where: str, key: Any) -> None:
    """A graph-cache key is a string (the explainer's DOMString)."""
    if not isinstance(key, str):
        raise TypeError(f"{where}: key must be a string, got {type(key).__name__}")


def _descs_json(descs: Mapping[str, Desc]) -> dict[str, dict[str, Any]]:
    return {n: {"data_type": d.data_type, "shape": list(d.shape)}
            for n, d in descs.items()}


def _descs_of(where: str, key: str, descs: Mapping[str, Any]) -> dict[str, Desc]:
    """A manifest's descriptors as Descs (DataError if they are not valid)."""
    out = {}
    for n, d in descs.items():
        dt, shape = d.get("data_type"), d.get("shape")
        if dt not in DATA_TYPES or not all(
                type(x) is int and x > 0 for x in shape):
            raise DataError(f"{where}: the cache entry of {key!r} has an invalid "
                            f"descriptor for {n!r}: {d!r}")
        out[n] = Desc(dt, tuple(shape))
    return out


def _same_tensors(bound: dict[str, MLTensor], given: dict[str, Any]) -> bool:
    """Whether ``given`` maps exactly ``bound``'s names to the very same
    tensor objects."""
    if len(bound) != len(given):
        return False
    get = given.get
    for name, t in bound.items():
        if get(name) is not t:
            return False
    return True


def _buffers(tensors: dict[str, MLTensor]) -> dict[str, Any]:
    """The backend buffers behind named tensors."""
    return {n: t._buffer for n, t in tensors.items()}


def _as_tensor(where: str, what: str, value: Any) -> MLTensor:
    """The IDL conversion of an MLTensor argument (TypeError if it is not one)."""
    if not isinstance(value, MLTensor):
        raise TypeError(f"{where}: {what} must be an MLTensor, got "
                        f"{type(value).__name__}")
    return value


def _as_named_tensors(where: str, what: str, value: Any) -> dict[str, MLTensor]:
    """The IDL conversion of an MLNamedTensors (record<USVString, MLTensor>)."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{where}: {what} must be a dict of name -> MLTensor, got "
                        f"{type(value).__name__}")
    for name, t in value.items():
        if not isinstance(name, str):
            raise TypeError(f"{where}: {what} has the key {name!r}; names must be "
                            f"strings")
        _as_tensor(where, f"{what}[{name!r}]", t)
    return dict(value)


def _validate_named(where: str, what: str, tensors: Mapping[str, MLTensor],
                    descs: Mapping[str, Desc]) -> None:
    """The spec's *validate tensors with descriptors*, with a precise message."""
    if set(tensors) != set(descs):
        raise TypeError(f"{where}: {what} names {sorted(tensors)} do not match the "
                        f"graph's {what} {sorted(descs)}")
    for name, t in tensors.items():
        if t._constant:
            raise TypeError(f"{where}: {what}[{name!r}] is a constant tensor")
        if t._desc != descs[name]:
            raise TypeError(f"{where}: {what}[{name!r}] is {t._desc}, but the graph "
                            f"expects {descs[name]}")
