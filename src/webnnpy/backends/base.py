"""The backend protocol: what a context asks of the runtime behind it.

Backends consume the IR (``webnnpy.ir``) and NumPy arrays; they never import
``webnnpy.api``.  Every method except ``op_support_limits`` and ``describe`` runs
on the owning context's timeline thread, one call at a time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import platform
import secrets
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from webnnpy._spec import api_table
from webnnpy.backends.errors import UnsupportedError
from webnnpy.ir.checks import OpLimits
from webnnpy.ir.descriptor import Desc
from webnnpy.ir.graph import Graph

__all__ = ["CACHE_DIR_ENV", "Backend", "SupportLimits", "cache_dir", "cpu_fingerprint",
           "host_read", "host_read_into", "host_write", "spec_support_limits",
           "write_atomic"]


@dataclass(frozen=True)
class SupportLimits:
    """A backend's MLOpSupportLimits, keyed by spec names (converted to the
    Python spelling by ``MLContext.op_support_limits``)."""

    preferred_input_layout: str
    max_tensor_byte_length: int
    input: tuple[frozenset[str], int, int]
    constant: tuple[frozenset[str], int, int]
    output: tuple[frozenset[str], int, int]
    ops: Mapping[str, OpLimits] = field(default_factory=dict)


#: the default ``maxTensorByteLength`` of :func:`spec_support_limits`
MAX_TENSOR_BYTE_LENGTH = 2**31 - 1


def spec_support_limits(
    *, max_rank: int, preferred_input_layout: str = "nchw",
    max_tensor_byte_length: int = MAX_TENSOR_BYTE_LENGTH,
    exclude: Mapping[str, Mapping[str, set[str]]] | None = None,
    int4: bool = False,
) -> SupportLimits:
    """Every data type and rank the spec allows for every op, with an open rank
    bound ("N") capped at ``max_rank``.  ``exclude[op][limits_key]`` removes
    data types a backend cannot run faithfully.  With ``int4``, the int4/uint4
    extension too: graph inputs, constants, outputs and the operands
    ``dtypes.INT4_OPERANDS`` lists."""
    from webnnpy.dtypes import (
        DATA_TYPES,
        EXTENSION_DATA_TYPES,
        INT4_OPERANDS,
        SPEC_DATA_TYPES,
    )

    ops: dict[str, dict[str, tuple[frozenset[str], int, int]]] = {}
    for name, entry in api_table()["ops"].items():
        if name in ("input", "constant", "build"):
            continue
        lim: dict[str, tuple[frozenset[str], int, int]] = {}
        for spec in entry["operands"] + entry["outputs"]:
            lo, hi = spec["ranks"] if spec["ranks"] else (0, None)
            types = set(spec["data_types"])
            if int4 and spec["limits_key"] in INT4_OPERANDS.get(name, ()):
                types |= set(EXTENSION_DATA_TYPES)
            if exclude and name in exclude:
                types -= set(exclude[name].get(spec["limits_key"], ()))
            key = spec["limits_key"]
            if key in lim:  # several outputs share "outputs"
                continue
            lim[key] = (frozenset(types), int(lo), max_rank if hi is None else int(hi))
        ops[name] = lim
    every = (frozenset(DATA_TYPES if int4 else SPEC_DATA_TYPES), 0, max_rank)
    return SupportLimits(preferred_input_layout, max_tensor_byte_length,
                         every, every, every, ops)


#: environment variable naming webnnpy's cache directory (the graph store is
#: ``graphs/`` under it, the auto backend's remembered choices ``auto-choices/``)
CACHE_DIR_ENV = "WEBNNPY_CACHE_DIR"


def cache_dir() -> Path:
    """webnnpy's cache directory, read from the environment on each call:
    ``$WEBNNPY_CACHE_DIR``, else ``$XDG_CACHE_HOME/webnnpy``, else
    ``~/.cache/webnnpy``."""
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "webnnpy"


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path`` and rename it over
    ``path`` (a reader sees the old contents or the new, never part)."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def host_write(arr: np.ndarray, data: np.ndarray) -> None:
    """Copy ``data`` (the tensor's data type; int4/uint4 as ml_dtypes) into a
    tensor's host array ``arr`` (int4/uint4 carried as int8/uint8)."""
    from webnnpy.dtypes import carrier

    data = carrier(data)
    if data.dtype is arr.dtype and data.shape == arr.shape:
        arr[...] = data
        return
    np.copyto(arr, data.reshape(arr.shape), casting="no")


def host_read(arr: np.ndarray, desc: Desc) -> np.ndarray:
    """A new array with a tensor's host array's contents, in the tensor's data
    type (int4/uint4 back from their int8/uint8 carrier)."""
    from webnnpy.dtypes import CARRIER_TYPES, numpy_dtype

    if desc.data_type in CARRIER_TYPES:
        return arr.astype(numpy_dtype(desc.data_type))
    return arr.copy()


def host_read_into(arr: np.ndarray, desc: Desc, out: np.ndarray) -> None:
    """Copy a tensor's host array into ``out`` (same data type and size)."""
    from webnnpy.dtypes import CARRIER_TYPES, numpy_dtype

    host = arr
    if desc.data_type in CARRIER_TYPES:
        host = host.astype(numpy_dtype(desc.data_type))
    np.copyto(out, host if host.shape == out.shape else host.reshape(out.shape),
              casting="no")


@functools.cache
def cpu_fingerprint() -> dict[str, str]:
    """The CPU a compiled graph may depend on, for ``cache_fingerprint``:
    architecture, model name and a digest of its feature flags (from
    ``/proc/cpuinfo`` where there is one, else what ``platform`` says)."""
    model, flags = "", ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                k, _, v = line.partition(":")
                k = k.strip()
                if k in ("model name", "Model", "cpu model") and not model:
                    model = v.strip()
                elif k in ("flags", "Features", "isa") and not flags:
                    flags = " ".join(sorted(v.split()))
    except OSError:
        pass
    model = model or platform.processor()
    return {"machine": platform.machine(), "cpu": model,
            "cpu_flags": hashlib.sha256(flags.encode()).hexdigest()[:16]}


class Backend(ABC):
    """One runtime behind an MLContext.

    Failures are reported with :mod:`webnnpy.backends.errors` (the context
    maps them to the spec's error kinds); the methods below say which.
    """

    #: registry name, e.g. "numpy"
    name: str = ""

    def __init__(self, *, power_preference: str = "default",
                 accelerated: bool = True) -> None:
        self.power_preference = power_preference
        self.accelerated = accelerated

    @abstractmethod
    def support_limits(self) -> SupportLimits:
        """What this backend supports (must be a subset of the spec)."""

    def tensor_limits(self) -> tuple[int, int]:
        """The highest rank and the most bytes of a tensor
        (``support_limits()``'s ``input`` rank bound and
        ``max_tensor_byte_length``): what ``createTensor`` checks.  A
        backend whose ``support_limits()`` is costly to find answers this
        without it (tests/test_op_support_limits.py checks they agree)."""
        lim = self.support_limits()
        return lim.input[2], lim.max_tensor_byte_length

    def describe(self) -> str:
        """A one-line description of the device/runtime, for ``webnnpy info``."""
        return self.name

    @abstractmethod
    def compile(self, graph: Graph) -> Any:
        """Turn a built IR graph into something ``dispatch`` can run.

        Raises:
            UnsupportedError: the runtime cannot run an op or type in it.
            CompileError: the runtime rejected the graph.
        """

    def release_graph(self, compiled: Any) -> None:  # noqa: B027 - optional hook
        """Free a compiled graph's resources."""

    @abstractmethod
    def allocate(self, desc: Desc) -> Any:
        """A new zero-filled tensor buffer (AllocationError if it cannot be
        had)."""

    @abstractmethod
    def upload(self, desc: Desc, data: np.ndarray) -> Any:
        """A new tensor buffer holding ``data`` (already of desc's dtype/shape)."""

    @abstractmethod
    def write(self, buffer: Any, data: np.ndarray) -> None:
        """Overwrite a tensor's contents (TransferError on failure; so for
        ``upload``, ``read`` and ``read_into``)."""

    @abstractmethod
    def read(self, buffer: Any) -> np.ndarray:
        """A new host array with the tensor's contents."""

    def read_into(self, buffer: Any, out: np.ndarray) -> None:
        """Copy the tensor's contents into ``out`` (same dtype and size)."""
        np.copyto(out, self.read(buffer).reshape(out.shape), casting="no")

    def release(self, buffer: Any) -> None:  # noqa: B027 - optional hook
        """Free a tensor buffer."""

    @abstractmethod
    def dispatch(self, compiled: Any, inputs: Mapping[str, Any],
                 outputs: Mapping[str, Any]) -> None:
        """Run ``compiled`` reading ``inputs`` and writing ``outputs`` buffers
        (ExecutionError on failure)."""

    # ------------------------------------------------- graph cache (optional)
    #
    # MLContext.save_graph/load_graph (the graph-cache explainer, a declared
    # extension; see docs/graph_cache.md) store a backend's own compiled form
    # of a graph.  The store owns keys, manifests, checksums and atomic
    # publication; a backend only writes and reads files in a directory:
    #
    # - ``cache_fingerprint()`` names everything a compiled form depends on
    #   (runtime version, device, CPU features...); entries are kept apart by
    #   it, so an entry made under another fingerprint is never handed to
    #   ``import_compiled``.  None (the default): no cache support.
    # - ``export_compiled(compiled, directory)`` writes the files into
    #   ``directory`` (empty, private to this call) and returns JSON-able
    #   metadata; ``import_compiled(directory, meta)`` gets the same directory
    #   contents (checksummed) and metadata back and returns what ``compile``
    #   would have returned.  The directory is never modified afterwards, so
    #   the imported graph may keep files in it open or memory-mapped; it may
    #   be unlinked (``delete_graph``) while the graph lives.
    #
    # An OpenVINO backend would write ``compiled_model.export_model()``'s
    # bytes to one file and read them back with ``core.import_model``.

    def cache_fingerprint(self) -> Mapping[str, str] | None:
        """What this backend's compiled graphs depend on (runtime version,
        device, CPU features), or None when it cannot export them."""
        return None

    def export_compiled(self, compiled: Any, directory: Path) -> dict[str, Any]:
        """Write ``compiled`` (from ``compile`` or ``import_compiled``) as files
        into ``directory``; return JSON-able metadata for ``import_compiled``.

        Raises:
            UnsupportedError: the backend has no exportable compiled form.
        """
        raise UnsupportedError(f"the {self.name} backend cannot save compiled "
                               f"graphs")

    def import_compiled(self, directory: Path, meta: Mapping[str, Any]) -> Any:
        """A compiled graph, as ``compile`` returns, from the files that
        ``export_compiled`` wrote into ``directory`` and its ``meta``.

        Raises:
            UnsupportedError: the backend has no exportable compiled form.
            CacheEntryError: the files are unusable (the context reports a
                DataError).
        """
        raise UnsupportedError(f"the {self.name} backend cannot load compiled "
                               f"graphs")
