"""A context's timeline: one worker thread running queued work in order.

The timeline holds no reference to its context, so a context that is dropped
without ``destroy()`` is collected and its thread told to stop.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from webnnpy.api.promise import MLPromise
from webnnpy.errors import InvalidStateError

__all__ = ["Timeline"]

logger = logging.getLogger("webnnpy")

_STOP = object()


class Timeline:
    """Runs ``(work, promise)`` items one at a time, in enqueue order."""

    def __init__(self, name: str) -> None:
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def enqueue(self, work: Callable[[], Any],
                promise: MLPromise[Any] | None = None) -> MLPromise[Any]:
        """Queue ``work``; its return value resolves the promise, an exception
        it raises rejects it.  Once the timeline is closed (its context lost),
        the work is not run and the promise rejects with InvalidStateError,
        as work aborted by context loss does."""
        p: MLPromise[Any] = promise if promise is not None else MLPromise()
        if self._closed:
            p.reject(InvalidStateError("the context is lost"))
            return p
        self._queue.put((work, p))
        return p

    def close(self) -> None:
        """Stop the worker after the work already queued."""
        if not self._closed:
            self._closed = True
            self._queue.put(_STOP)

    @property
    def on_timeline(self) -> bool:
        """True when called from the timeline's own thread."""
        return threading.current_thread() is self._thread

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is _STOP:
                return
            work, promise = item
            if promise.done():  # rejected meanwhile (destroyed tensor, lost)
                continue
            try:
                promise.resolve(work())
            except BaseException as exc:  # noqa: BLE001 - any failure rejects
                promise.reject(exc)
