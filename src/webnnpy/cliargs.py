"""What every ``webnnpy`` subcommand shares: user errors as one line.

A user error (bad arguments, a missing or unreadable file, a file that is not
what it should be) is reported as one line on stderr with exit status 2,
never a traceback.  :mod:`webnnpy.cli` re-exports these names.
"""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

__all__ = ["ArgumentParser", "UsageError", "positional_after", "user_error"]


class UsageError(Exception):
    """A user error a subcommand reports as one line (exit status 2)."""


class ArgumentParser(argparse.ArgumentParser):
    """argparse, with its errors as one line on stderr (exit status 2)
    instead of the usage text followed by the error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def positional_after(args: argparse.Namespace, dest: str,
                     lists: dict[str, str], what: str = "MODEL") -> None:
    """Let the positional ``dest`` (declared ``nargs="?"``) follow options
    whose values are greedy NAME=VALUE lists (``--input a=x.npy MODEL``):
    the one value without "=" in those lists is ``dest``.  ``lists`` maps
    each list's dest to its flag (for messages).  Raises UsageError when
    ``dest`` is missing or a list holds a value without "="."""
    stray = [(key, flag, v) for key, flag in lists.items()
             for v in getattr(args, key) or () if "=" not in v]
    if getattr(args, dest) is None and len(stray) == 1:
        key, _flag, v = stray[0]
        getattr(args, key).remove(v)
        setattr(args, dest, v)
        return
    if stray:
        _key, flag, v = stray[0]
        raise UsageError(f"{flag} {v!r}: expected NAME=VALUE"
                         + ("" if getattr(args, dest) else f" ({what} is missing)"))
    if getattr(args, dest) is None:
        raise UsageError(f"{what} is missing")


def _one_line(text: str) -> str:
    return "; ".join(line.strip() for line in text.strip().splitlines()
                     if line.strip()) or "(no message)"


def user_error(e: BaseException) -> str | None:
    """The one-line message for ``e`` if it is a user error (a file that is
    missing, unreadable or not what it should be; an ONNX model that cannot
    be imported), else None (a bug: let its traceback show)."""
    if isinstance(e, UsageError):
        return _one_line(str(e))
    if isinstance(e, OSError):
        what = e.strerror or str(e)
        return _one_line(f"{e.filename}: {what}" if e.filename else str(e))
    # classes of modules that are already imported (nothing is imported here)
    kinds = []
    for mod, name in (("webnnpy.models.onnx.errors", "OnnxImportError"),
                      ("google.protobuf.message", "DecodeError"),
                      ("onnx.checker", "ValidationError")):
        cls = getattr(sys.modules.get(mod), name, None)
        if isinstance(cls, type):
            kinds.append(cls)
    if kinds and isinstance(e, tuple(kinds)):
        kind = type(e).__name__
        if kind == "DecodeError":
            return _one_line(f"not an ONNX model (the protobuf cannot be parsed: "
                             f"{e})")
        return _one_line(str(e))
    return None
