"""A small HTTP server on 127.0.0.1 for the browser's pages (stdlib only).

WebNN needs a secure context, and ``http://127.0.0.1`` is one.  The server
serves a root folder plus any number of *mounts* (``/m/<key>/...`` -> a
folder), and takes ``POST``/``PUT`` bodies into an in-memory mailbox
(``/post/<name>``) so that a page can hand large binary results back without
squeezing them through the DevTools protocol.
"""

from __future__ import annotations

import http.server
import os
import posixpath
import threading
import urllib.parse
from pathlib import Path
from typing import Any

__all__ = ["PageServer"]


class _Handler(http.server.SimpleHTTPRequestHandler):
    server: _Server

    extensions_map = {  # noqa: RUF012 - the base class's own attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript", ".mjs": "text/javascript",
        ".bin": "application/octet-stream", ".json": "application/json",
    }

    def translate_path(self, path: str) -> str:
        path = urllib.parse.unquote(urllib.parse.urlsplit(path).path)
        parts = [p for p in posixpath.normpath(path).split("/") if p]
        root = self.server.root
        if len(parts) >= 2 and parts[0] == "m":
            mount = self.server.mounts.get(parts[1])
            if mount is None:
                return str(root / "__no_such_mount__")
            root, parts = mount, parts[2:]
        parts = [p for p in parts if p not in (os.curdir, os.pardir)]
        return str(root.joinpath(*parts))

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def _take_body(self) -> None:
        name = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if not name.startswith("/post/"):
            self.send_error(404)
            return
        with self.server.lock:
            self.server.mailbox[name[len("/post/"):]] = body
        self.send_response(204)
        self.end_headers()

    def do_POST(self) -> None:
        self._take_body()

    def do_PUT(self) -> None:
        self._take_body()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    root: Path
    mounts: dict[str, Path]
    mailbox: dict[str, bytes]
    lock: threading.Lock


class PageServer:
    """Serve ``root`` on ``http://127.0.0.1:<port>`` from a daemon thread."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.root = Path(root)
        self._httpd.mounts = {}
        self._httpd.mailbox = {}
        self._httpd.lock = threading.Lock()
        self._thread = threading.Thread(target=self._httpd.serve_forever,
                                        name="webnnpy-page-server", daemon=True)
        self._thread.start()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def mount(self, key: str, folder: str | os.PathLike[str]) -> str:
        """Serve ``folder`` under ``/m/<key>/``; returns that URL path."""
        self._httpd.mounts[key] = Path(folder).resolve()
        return f"/m/{key}/"

    def unmount(self, key: str) -> None:
        """Stop serving the mount ``key``."""
        self._httpd.mounts.pop(key, None)

    def take(self, name: str) -> bytes | None:
        """Remove and return the body posted to ``/post/<name>``."""
        with self._httpd.lock:
            return self._httpd.mailbox.pop(name, None)

    def take_prefix(self, prefix: str) -> dict[str, bytes]:
        """Remove and return every posted body whose name starts with
        ``prefix`` (names without the prefix)."""
        with self._httpd.lock:
            keys = [k for k in self._httpd.mailbox if k.startswith(prefix)]
            return {k[len(prefix):]: self._httpd.mailbox.pop(k) for k in keys}

    def close(self) -> None:
        """Stop the server."""
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)
