"""The Chrome DevTools Protocol over ``--remote-debugging-pipe`` (stdlib only).

With ``--remote-debugging-pipe`` Chromium reads protocol messages from its
file descriptor 3 and writes replies and events to descriptor 4; each message
is one JSON object followed by a NUL byte.  :class:`PipeConnection` sends
commands (optionally to a page session, ``sessionId``) and waits for their
replies; a reader thread files replies by id and keeps events (console
messages, exceptions) for diagnostics.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import threading
from typing import Any

__all__ = ["CDPError", "PipeConnection"]


class CDPError(RuntimeError):
    """A protocol command failed, timed out, or the browser went away."""


class PipeConnection:
    """Both ends of the DevTools pipe: ``write_fd`` (the browser's fd 3) and
    ``read_fd`` (the browser's fd 4), owned and closed by this object."""

    def __init__(self, write_fd: int, read_fd: int) -> None:
        self._wfd = write_fd
        self._rfd = read_fd
        self._ids = itertools.count(1)
        self._cond = threading.Condition()
        self._replies: dict[int, dict[str, Any]] = {}
        self._closed = False
        self._send_lock = threading.Lock()
        #: the most recent events (method, params, sessionId), newest last
        self.events: collections.deque[dict[str, Any]] = collections.deque(
            maxlen=500)
        self._reader = threading.Thread(target=self._read_loop,
                                        name="webnnpy-cdp-reader", daemon=True)
        self._reader.start()

    def _read_loop(self) -> None:
        buf = b""
        try:
            while True:
                chunk = os.read(self._rfd, 1 << 20)
                if not chunk:
                    break
                buf += chunk
                while b"\0" in buf:
                    raw, buf = buf.split(b"\0", 1)
                    try:
                        msg = json.loads(raw)
                    except ValueError:
                        continue
                    with self._cond:
                        if "id" in msg:
                            self._replies[msg["id"]] = msg
                        else:
                            self.events.append(msg)
                        self._cond.notify_all()
        except OSError:
            pass
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None, *,
             session: str | None = None, timeout: float = 60.0) -> dict[str, Any]:
        """Send one command and return its ``result``.

        Raises:
            CDPError: the command failed, timed out, or the pipe closed.
        """
        msg_id = next(self._ids)
        msg: dict[str, Any] = {"id": msg_id, "method": method,
                               "params": params or {}}
        if session is not None:
            msg["sessionId"] = session
        data = json.dumps(msg).encode() + b"\0"
        with self._send_lock:
            try:
                view = memoryview(data)
                while view:
                    n = os.write(self._wfd, view)
                    view = view[n:]
            except OSError as e:
                raise CDPError(f"{method}: the browser's pipe is closed ({e})") \
                    from None
        with self._cond:
            ok = self._cond.wait_for(
                lambda: msg_id in self._replies or self._closed, timeout)
            reply = self._replies.pop(msg_id, None)
        if reply is None:
            why = "the browser closed the pipe" if ok else f"no reply in {timeout} s"
            raise CDPError(f"{method}: {why}")
        if "error" in reply:
            err = reply["error"]
            raise CDPError(f"{method}: {err.get('message')} {err.get('data', '')}"
                           .rstrip())
        return reply.get("result", {})

    def drain_events(self) -> list[dict[str, Any]]:
        """Remove and return the events received so far."""
        with self._cond:
            out = list(self.events)
            self.events.clear()
        return out

    @property
    def closed(self) -> bool:
        """True once the browser closed its end."""
        return self._closed

    def close(self) -> None:
        """Close our ends of the pipe."""
        for fd in (self._wfd, self._rfd):
            try:
                os.close(fd)
            except OSError:
                pass
        self._reader.join(timeout=5)
