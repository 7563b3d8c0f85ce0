"""``MLPromise``: what the spec's Promises become in Python.

A ``concurrent.futures.Future`` (block with ``.result()``) that is also
awaitable (``await promise`` inside asyncio), so one object serves threads and
coroutines.  Settling twice is ignored, as a JavaScript promise ignores it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Generator
from typing import Any, Generic, TypeVar

__all__ = ["MLPromise"]

T = TypeVar("T")


class MLPromise(concurrent.futures.Future, Generic[T]):  # type: ignore[type-arg]
    """A settled-once result of work on a context's timeline."""

    def resolve(self, value: T) -> None:
        """Fulfil, unless already settled."""
        try:
            self.set_result(value)
        except concurrent.futures.InvalidStateError:
            pass

    def reject(self, error: BaseException) -> None:
        """Reject, unless already settled."""
        try:
            self.set_exception(error)
        except concurrent.futures.InvalidStateError:
            pass

    def __await__(self) -> Generator[Any, None, T]:
        return asyncio.wrap_future(self).__await__()

    @classmethod
    def rejected(cls, error: BaseException) -> MLPromise[Any]:
        """A promise already rejected with ``error``."""
        p: MLPromise[Any] = cls()
        p.set_exception(error)
        return p
