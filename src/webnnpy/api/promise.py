"""``MLPromise``: what the spec's Promises become in Python.

A settle-once result that can be waited on from any thread (``.result()``,
``.exception()``, ``.done()``, ``add_done_callback``, as
``concurrent.futures.Future`` offers) and awaited inside asyncio
(``await promise``).  Settling twice is ignored, as a JavaScript promise
ignores it.  Kept minimal because every tensor read creates one: settling
takes one uncontended lock, and a waiting thread blocks on an event made only
when someone actually has to wait.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator, Iterable
from typing import Any, Generic, TypeVar

__all__ = ["MLPromise"]

T = TypeVar("T")

_PENDING, _FULFILLED, _REJECTED = 0, 1, 2
_LOCK = threading.Lock()


def _run_callbacks(promise: MLPromise[Any],
                   callbacks: Iterable[Callable[[MLPromise[Any]], None]]) -> None:
    """Call each done-callback; one that raises is logged, never propagated:
    the thread settling a promise is often a context's timeline worker, which
    must survive whatever a callback does (as ``concurrent.futures`` does)."""
    for cb in callbacks:
        try:
            cb(promise)
        except Exception:
            import logging

            logging.getLogger("webnnpy").exception(
                "a done-callback of %r raised", promise)


def _wake(loop: Any, fut: Any) -> None:
    """Wake an ``await`` waiting on ``fut`` in ``loop`` (from any thread).

    A loop that has closed meanwhile (``asyncio.run`` returned after a
    ``wait_for`` timeout cancelled the await) has nobody left to wake:
    ``call_soon_threadsafe`` then raises RuntimeError, which is dropped."""
    try:
        loop.call_soon_threadsafe(_set_done, fut)
    except RuntimeError:
        if not loop.is_closed():
            raise


def _set_done(fut: Any) -> None:
    if not fut.done():
        fut.set_result(None)


class MLPromise(Generic[T]):
    """A settle-once result of work on a context's timeline."""

    __slots__ = ("__weakref__", "_callbacks", "_event", "_observed", "_state",
                 "_timeline", "_value")

    def __init__(self) -> None:
        self._state = _PENDING
        self._value: Any = None
        self._event: threading.Event | None = None
        self._callbacks: list[Callable[[MLPromise[T]], None]] | None = None
        #: the timeline whose work settles this promise (set when queued)
        self._timeline: Any = None
        #: the caller has taken the outcome (result(), exception(), await)
        self._observed = False

    # ---------------------------------------------------------- settling

    def _settle(self, state: int, value: Any) -> None:
        with _LOCK:
            if self._state != _PENDING:
                return
            self._state, self._value = state, value
            event, callbacks = self._event, self._callbacks
            self._callbacks = None
        if event is not None:
            event.set()
        if callbacks:
            _run_callbacks(self, callbacks)

    def resolve(self, value: T) -> None:
        """Fulfil, unless already settled."""
        self._settle(_FULFILLED, value)

    def reject(self, error: BaseException) -> None:
        """Reject, unless already settled."""
        self._settle(_REJECTED, error)

    def _reject_unless_observed(self, error: BaseException) -> None:
        """Reject, even if the timeline has already fulfilled it, as long as
        the caller has not taken the value yet.

        In JavaScript a promise settles in a task queued to the caller's
        event loop, so code that runs before the caller awaits (such as
        ``MLTensor.destroy()``) still sees it pending.  Here the timeline
        settles promises at once; this keeps the JavaScript outcome."""
        with _LOCK:
            if self._observed or self._state == _REJECTED:
                return
            was_pending = self._state == _PENDING
            self._state, self._value = _REJECTED, error
            event, callbacks = self._event, self._callbacks
            self._callbacks = None
        if was_pending:
            if event is not None:
                event.set()
            if callbacks:
                _run_callbacks(self, callbacks)

    @classmethod
    def rejected(cls, error: BaseException) -> MLPromise[Any]:
        """A promise already rejected with ``error``."""
        p: MLPromise[Any] = cls()
        p._state, p._value = _REJECTED, error
        return p

    # ----------------------------------------------------------- reading

    def done(self) -> bool:
        """True once settled."""
        return self._state != _PENDING

    def wait_settled(self, timeout: float | None) -> bool:
        """Wait up to ``timeout`` seconds (None: forever) without running any
        work; True if settled."""
        if self._state != _PENDING:
            return True
        with _LOCK:
            if self._state != _PENDING:
                return True
            if self._event is None:
                self._event = threading.Event()
            event = self._event
        return event.wait(timeout)

    def _wait(self, timeout: float | None) -> None:
        tl = self._timeline
        if self._state == _PENDING and tl is not None and timeout is None \
                and not tl.on_timeline:
            tl.help_until(self)
        if not self.wait_settled(timeout):
            raise TimeoutError(f"the promise did not settle within {timeout} s")

    def result(self, timeout: float | None = None) -> T:
        """Block until settled, then return the value or raise the error.

        While waiting, the calling thread may run the timeline's queued work
        itself (in order), which saves thread hand-offs."""
        self._wait(timeout)
        with _LOCK:
            self._observed = True
        if self._state == _REJECTED:
            raise self._value
        return self._value  # type: ignore[no-any-return]

    def exception(self, timeout: float | None = None) -> BaseException | None:
        """Block until settled, then return the error (None if fulfilled)."""
        self._wait(timeout)
        with _LOCK:
            self._observed = True
        return self._value if self._state == _REJECTED else None

    def add_done_callback(self, fn: Callable[[MLPromise[T]], None]) -> None:
        """Call ``fn(promise)`` once settled (at once if it already is), on
        the thread that settles it."""
        with _LOCK:
            if self._state == _PENDING:
                if self._callbacks is None:
                    self._callbacks = []
                self._callbacks.append(fn)
                return
        fn(self)

    def __await__(self) -> Generator[Any, None, T]:
        if self._state == _PENDING:
            import asyncio  # only code that awaits pays for importing it

            loop = asyncio.get_running_loop()
            fut: asyncio.Future[None] = loop.create_future()
            self.add_done_callback(lambda _: _wake(loop, fut))
            if self._timeline is not None:
                self._timeline.kick()  # nobody else may run the queue
            yield from fut
        with _LOCK:
            self._observed = True
        if self._state == _REJECTED:
            raise self._value
        return self._value  # type: ignore[no-any-return]

    def __repr__(self) -> str:
        state = ("pending", "fulfilled", "rejected")[self._state]
        return f"<MLPromise {state}>"
