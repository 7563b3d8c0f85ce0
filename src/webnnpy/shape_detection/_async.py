"""``detect_async``: the spec's ``detect()`` Promise, as webnnpy's
:class:`~webnnpy.MLPromise` (``.result()`` from any thread, ``await`` in
asyncio).  The work runs on one daemon thread per process, in call order,
as a detector's requests would on the spec's shape detection task source."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from webnnpy.api.promise import MLPromise

__all__ = ["run_async"]

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=1,
                                       thread_name_prefix="webnnpy-detect")
        return _pool


def run_async(fn: Callable[[Any], Any], image: Any) -> MLPromise[Any]:
    """``fn(image)`` on the detection thread; its result or error settles
    the returned promise."""
    promise: MLPromise[Any] = MLPromise()

    def work() -> None:
        try:
            value = fn(image)
        except BaseException as e:  # noqa: BLE001 - the promise carries it
            promise.reject(e)
        else:
            promise.resolve(value)

    _executor().submit(work)
    return promise
