"""Helpers shared by the object-model tests in tests/api.

Expected values in these tests come from the tests themselves (hand-computed,
or the data the test wrote), never from webnnpy.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pytest

import webnnpy

__all__ = [
    "DTYPES",
    "arange",
    "blocked_timeline",
    "identity_graph",
    "invalid_state",
    "raises",
    "tdesc",
]

#: the 8 MLOperandDataType values, in spec order
DTYPES = ("float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8")


def _pattern(fragments: tuple[str, ...]) -> str:
    return ".*".join(re.escape(f) for f in fragments)


def raises(kind: type[BaseException], *fragments: str) -> Any:
    """``pytest.raises(kind)`` whose message holds every fragment, in order."""
    return pytest.raises(kind, match=_pattern(fragments))


def invalid_state(*fragments: str) -> Any:
    """``pytest.raises(webnnpy.InvalidStateError)`` with message fragments."""
    return raises(webnnpy.InvalidStateError, *fragments)


def tdesc(dtype: str = "float32", shape: Any = (2, 3), **flags: bool
          ) -> dict[str, Any]:
    """A descriptor dict (with MLTensorDescriptor flags when given)."""
    return {"data_type": dtype, "shape": list(shape), **flags}


def identity_graph(context: webnnpy.MLContext, dtype: str = "float32",
                   shape: Any = (2, 3)) -> webnnpy.MLGraph:
    """A graph ``y = identity(x)`` with input "x" and output "y"."""
    b = webnnpy.MLGraphBuilder(context)
    x = b.input("x", tdesc(dtype, shape))
    return b.build({"y": b.identity(x)})


@contextmanager
def blocked_timeline(context: webnnpy.MLContext, timeout: float = 10.0
                     ) -> Iterator[threading.Event]:
    """Hold the context's timeline busy with a task that waits on an event.

    Work queued inside the ``with`` block waits behind that task; set the
    yielded event to let it run (it is set on exit in any case).
    """
    release = threading.Event()
    started = threading.Event()

    def hold() -> None:
        started.set()
        release.wait(timeout)

    context._timeline.enqueue(hold)
    assert started.wait(timeout), "the timeline did not start the holding task"
    try:
        yield release
    finally:
        release.set()


def arange(dtype: str, shape: Any) -> np.ndarray:
    """Distinct, exactly representable values 1, 2, 3... of ``dtype``."""
    n = int(np.prod(shape))
    return (np.arange(n) % 100 + 1).astype(dtype).reshape(shape)
