"""MLTensor: a tensor owned by a context, read and written on its timeline."""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any

import numpy as np

from webnnpy.api.promise import MLPromise
from webnnpy.dtypes import is_packed, numpy_dtype
from webnnpy.errors import InvalidStateError
from webnnpy.ir.descriptor import Desc

if TYPE_CHECKING:
    from webnnpy.api.context import MLContext

__all__ = ["MLTensor"]


# Spec: interface MLTensor #api-mltensor
class MLTensor:
    """A tensor whose data lives with its MLContext's backend.

    Created by ``MLContext.create_tensor`` or ``create_constant_tensor``; read,
    written and dispatched on the context's timeline.
    """

    def __init__(self, context: MLContext, desc: Desc, *, readable: bool,
                 writable: bool, constant: bool,
                 constant_data: np.ndarray | None = None) -> None:
        self._context_ref = weakref.ref(context)
        self._desc = desc
        self._readable = readable
        self._writable = writable
        self._constant = constant
        # Host copy of a constant tensor's bytes, which constant(tensor) hands to
        # graphs (the bytes were copied at createConstantTensor time anyway).
        self._constant_data = constant_data
        self._buffer: Any = None
        #: the NumPy dtype of write_tensor's fast path (None for int4/uint4,
        #: whose buffers take the general path)
        self._host_dtype: np.dtype[Any] | None = (
            None if is_packed(desc.data_type)
            else np.dtype(numpy_dtype(desc.data_type)))
        self._destroyed = False
        #: reads not yet taken by their caller (weak: a dropped one is gone)
        self._pending: weakref.WeakSet[MLPromise[Any]] = weakref.WeakSet()
        # the error of the last dispatch that failed writing this tensor
        self._error: BaseException | None = None

    @property
    def _context(self) -> MLContext | None:
        return self._context_ref()

    # Spec: readonly attribute MLOperandDataType dataType
    @property
    def data_type(self) -> str:
        """The tensor's MLOperandDataType."""
        return self._desc.data_type

    # Spec: readonly attribute FrozenArray<unsigned long> shape
    @property
    def shape(self) -> tuple[int, ...]:
        """The tensor's dimensions."""
        return self._desc.shape

    # Spec: readonly attribute boolean readable
    @property
    def readable(self) -> bool:
        """Whether ``read_tensor`` may read it."""
        return self._readable

    # Spec: readonly attribute boolean writable
    @property
    def writable(self) -> bool:
        """Whether ``write_tensor`` may write it."""
        return self._writable

    # Spec: readonly attribute boolean constant
    @property
    def constant(self) -> bool:
        """Whether it was made by ``create_constant_tensor``."""
        return self._constant

    # Spec: undefined destroy() #api-mltensor-destroy
    def destroy(self) -> None:
        """Release the tensor; pending reads reject with InvalidStateError.

        Idempotent.
        """
        if self._destroyed:
            return
        self._destroyed = True
        pending, self._pending = list(self._pending), weakref.WeakSet()
        for p in pending:
            p._reject_unless_observed(InvalidStateError(
                "read_tensor: the tensor was destroyed before the read completed"))
        ctx = self._context
        if ctx is not None and not ctx._is_lost:
            ctx._release_tensor(self)
        else:
            self._buffer = None

    def __repr__(self) -> str:
        flags = [n for n in ("readable", "writable", "constant") if getattr(self, n)]
        state = " destroyed" if self._destroyed else ""
        return (f"<MLTensor {self._desc.data_type}{list(self._desc.shape)} "
                f"{'|'.join(flags) or '-'}{state}>")
