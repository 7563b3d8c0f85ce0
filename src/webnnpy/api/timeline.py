"""A context's timeline: queued work that runs one item at a time, in order.

Two kinds of thread run the queue, under one lock so the order is the same
whoever runs an item:

- a caller that blocks on a result (``read_tensor``, ``build``...) runs the
  queued items itself, up to its own, when the timeline is idle: a
  synchronous round trip costs no thread hand-off;
- a worker thread runs work that nobody waits for (a ``dispatch`` whose
  outputs are read later, an ``await``\\ed read), so it overlaps the caller's
  Python.  Waking a thread for every item would make both threads fight for
  the GIL on every round trip, so the worker is notified only when it sleeps
  idle; while the context is busy it polls every millisecond and takes over
  items that have waited longer than a short grace.

The timeline holds no reference to its context, so a context that is dropped
without ``destroy()`` is collected and its worker told to stop.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable, MutableSet
from typing import Any

from webnnpy.api.promise import MLPromise
from webnnpy.errors import InvalidStateError

__all__ = ["Timeline"]

logger = logging.getLogger("webnnpy")

#: The worker's polling period while the context is busy, and how long a
#: blocked caller waits between attempts to run the queue itself.
_POLL_S = 0.001
#: Queued work older than this is run by the worker (younger work is left to
#: a caller about to block on it).
_GRACE_S = 0.0005
#: The worker polls for this long after the last enqueue, then sleeps until
#: notified.
_BUSY_S = 0.05
#: The worker's polling period while a caller runs the queue inline.
_RUNNING_POLL_S = 0.05


class Timeline:
    """Runs ``(work, promise)`` items one at a time, in enqueue order."""

    def __init__(self, name: str) -> None:
        self._items: collections.deque[
            tuple[Callable[[], Any], MLPromise[Any] | None, float]] = (
                collections.deque())
        self._cv = threading.Condition(threading.Lock())
        self._run_lock = threading.Lock()
        self._closed = False
        self._polling = False
        self._urgent = False
        self._last = 0.0
        self._thread = threading.Thread(target=self._worker, name=name, daemon=True)
        self._thread.start()
        self._thread_id = self._thread.ident

    def post(self, work: Callable[[], Any]) -> None:
        """Queue ``work`` whose result nobody waits for (a failure is logged);
        the cheapest way onto the timeline, for dispatch and writes."""
        if self._closed:
            return
        now = time.monotonic()
        with self._cv:
            self._items.append((work, None, now))
            self._last = now
            if not self._polling:
                self._cv.notify()

    def call(self, work: Callable[[], Any],
             pending: MutableSet[MLPromise[Any]] | None = None) -> Any:
        """Run ``work`` after everything queued before it and return its
        result (or raise), blocking the caller: in the caller's own thread
        when the timeline is idle, else through the queue, with its promise
        in ``pending`` meanwhile (so that destroying a tensor can reject a
        read still waiting)."""
        if self._closed:
            raise InvalidStateError("the context is lost")
        if not self.on_timeline and self._run_lock.acquire(blocking=False):
            try:
                while self._items and self._run_one():
                    pass
                return work()
            finally:
                self._release()
        promise: MLPromise[Any] = MLPromise()
        if pending is None:
            return self.enqueue(work, promise).result()

        def tracked() -> Any:
            pending.discard(promise)
            return work()

        pending.add(promise)
        return self.enqueue(tracked, promise).result()

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
        p._timeline = self
        now = time.monotonic()
        with self._cv:
            self._items.append((work, p, now))
            self._last = now
            if not self._polling:
                self._cv.notify()
        return p

    def kick(self) -> None:
        """Have the worker run the queue now (for waiters that cannot run it
        themselves, such as ``await``)."""
        with self._cv:
            self._urgent = True
            self._cv.notify()

    def close(self) -> None:
        """Stop the worker after the work already queued."""
        with self._cv:
            self._closed = True
            self._cv.notify()

    @property
    def on_timeline(self) -> bool:
        """True when called from the worker thread."""
        return threading.get_ident() == self._thread_id

    # ----------------------------------------------------------- running

    def _run_one(self) -> bool:
        """Pop and run the next item (the caller holds ``_run_lock``);
        False when the queue is empty."""
        with self._cv:
            if not self._items:
                return False
            work, promise, _ = self._items.popleft()
        if promise is None:
            try:
                work()
            except Exception:
                logger.exception("work on the timeline failed")
            return True
        if promise.done():  # rejected meanwhile (destroyed tensor, lost)
            return True
        try:
            promise.resolve(work())
        except BaseException as exc:  # noqa: BLE001 - any failure rejects
            promise.reject(exc)
        return True

    def _due(self, now: float) -> bool:
        """Whether the worker should run the queue now (``_cv`` held)."""
        if not self._items:
            return False
        return self._urgent or self._closed or now - self._items[0][2] >= _GRACE_S

    def _worker(self) -> None:
        while True:
            with self._cv:
                while True:
                    now = time.monotonic()
                    running = self._run_lock.locked()
                    if self._due(now) and not running:
                        break
                    if self._closed and not self._items:
                        return
                    if running:
                        # Someone is running the queue (a caller, inline):
                        # sleep until it hands back what is left (it notifies)
                        # rather than poll and take CPU from a long native
                        # run; still "polling", so enqueue does not notify.
                        self._polling = True
                        self._cv.wait(_RUNNING_POLL_S)
                        continue
                    self._polling = now - self._last < _BUSY_S
                    self._cv.wait(_POLL_S if self._polling or self._items else None)
                self._urgent = False
            with self._run_lock:
                try:
                    while self._run_one():
                        pass
                except Exception:  # the worker must outlive any item
                    logger.exception("work on the timeline failed")

    def _release(self) -> None:
        """Release the run lock taken by a caller, waking the worker if work
        was queued meanwhile (it sleeps while someone else runs the queue)."""
        self._run_lock.release()
        if self._items:
            with self._cv:
                self._cv.notify()

    def help_until(self, promise: MLPromise[Any]) -> None:
        """Block until ``promise`` settles, running queued items in this
        thread whenever the timeline is idle."""
        while not promise.done():
            if self._run_lock.acquire(blocking=False):
                try:
                    while not promise.done() and self._run_one():
                        pass
                finally:
                    self._release()
                if not promise.done():
                    # not queued here (or already taken by the worker): wait
                    promise.wait_settled(_POLL_S)
            else:
                promise.wait_settled(_POLL_S)
