"""Constants whose data is mapped from a file instead of held in memory.

A constant made from a whole read-only ``np.memmap`` (mode ``"r"``: the
ONNX importer makes one for each large initializer of a model it loads
from a path) keeps the map as its data, and its :class:`Value
<webnnpy.ir.graph.Value>` records where the bytes lie (:class:`FileRange`):
a page becomes resident only when something reads it, and a backend that
can read the file itself hands its runtime the file's location instead of
the data (ONNX Runtime reads external data files that way), so a loaded
model's weights are not held by webnnpy as well as by the runtime.

The file must not change while a graph uses it: :meth:`FileRange.check`
compares the file's identity (device, inode, size, modification time) with
the one recorded when the constant was made, and refuses a changed file;
reading a mapped page of a file truncated since raises ``SIGBUS``, as any
memory map does.  Replace a model file (write a new one and rename it)
rather than rewriting it in place while a model loaded from it is in use.
"""

from __future__ import annotations

import mmap
import os
from dataclasses import dataclass

import numpy as np

__all__ = ["FileRange", "StaleFileError", "evict", "file_range_of"]


class StaleFileError(RuntimeError):
    """The file a constant maps changed since the constant was made."""


def _identity(path: str) -> tuple[int, int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


@dataclass(frozen=True)
class FileRange:
    """``length`` bytes of the file ``path`` from ``offset``; ``identity``
    is the file's (device, inode, size, mtime) when it was recorded."""

    path: str
    offset: int
    length: int
    identity: tuple[int, int, int, int]

    def check(self) -> None:
        """Raise :class:`StaleFileError` if the file changed or vanished."""
        if _identity(self.path) != self.identity:
            raise StaleFileError(
                f"the file {self.path!r}, whose bytes {self.offset}.."
                f"{self.offset + self.length} a constant maps, changed since the "
                f"constant was made (a model file must not be rewritten while a "
                f"model loaded from it is in use)")


def file_range_of(arr: np.ndarray) -> FileRange | None:
    """Where a whole read-only ``np.memmap``'s bytes lie in its file (the
    file's identity recorded now), or None for any other array: a writable
    map, a view of a map (its offset is not known), an ordinary array."""
    if not isinstance(arr, np.memmap) or arr.mode != "r" or arr.flags.writeable \
            or not isinstance(arr.base, mmap.mmap) or not arr.flags.c_contiguous \
            or arr.filename is None or arr.size == 0:
        return None
    path = os.fspath(arr.filename)
    ident = _identity(path)
    if ident is None or ident[2] < arr.offset + arr.nbytes:
        return None
    return FileRange(path, int(arr.offset), int(arr.nbytes), ident)


def evict(arr: np.ndarray) -> None:
    """Drop the pages of a whole ``np.memmap`` that reading it made resident
    (they count in the process's memory until the kernel needs them); a
    later read maps them again from the file.  Does nothing for any other
    array, or where the platform cannot."""
    base = arr.base
    if isinstance(arr, np.memmap) and isinstance(base, mmap.mmap) and \
            hasattr(mmap, "MADV_DONTNEED"):
        try:
            base.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):
            pass
