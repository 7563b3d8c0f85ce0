"""The on-disk store behind ``MLContext.save_graph`` / ``load_graph`` /
``list_graphs`` / ``delete_graph`` (the WebNN MLGraph cache explainer, a
declared extension; see ``docs/graph_cache.md``).

Layout, under :func:`cache_root` (``$WEBNNPY_CACHE_DIR/graphs``, else
``$XDG_CACHE_HOME/webnnpy/graphs``, else ``~/.cache/webnnpy/graphs``)::

    <backend>-<fingerprint digest>/     one per backend + runtime + device/CPU
        <key digest>.json               the manifest (replaced atomically)
        <key digest>.<token>/           the files it names (never modified)

A backend's compiled form depends on its runtime version and the machine
(``Backend.cache_fingerprint()``), so entries live in a directory per
fingerprint: a context only ever sees entries its own runtime made.  The
manifest holds the key, backend, fingerprint, the graph's input and output
descriptors, the backend's metadata, caller metadata and, per file, its size
and checksums per 16 MiB chunk (CRC-32, and XXH3-64 when the ``xxhash``
package is installed, which loads then check: 3x faster), checked in
parallel threads on every load.

Writers publish without locks: the files go into a fresh temporary directory,
which is renamed to a fresh name, then the manifest is written to a temporary
file and ``os.replace``-d over the old one.  Concurrent writers of one key
each publish a complete entry and the last replace wins; a reader sees the
old entry or the new one, never a mix.  Directories no manifest names any
more are removed by later writers.

Size cap: the whole store (every backend and fingerprint under the root)
is kept under a byte budget, least recently used entries evicted first
(:data:`MAX_BYTES_ENV` / :func:`set_max_bytes` / ``GraphStore(max_bytes=)``;
default :data:`DEFAULT_MAX_BYTES`).  Use is the manifest's modification
time: a save sets it, a load touches it.  Each save evicts after publishing
(never the entry it just wrote, which is kept even when larger than the cap
by itself).

Errors: a key with no entry -> NotFoundError; an entry that is corrupt,
truncated, foreign (made for another key, backend or fingerprint) or that
the backend cannot import -> DataError; a store that cannot be written
(read-only, full) -> OperationError from ``save_graph``, or a warning from
:func:`try_save`, the form for implicit use.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import mmap
import os
import re
import secrets
import shutil
import time
import warnings
import zlib
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from webnnpy.backends.base import CACHE_DIR_ENV, cache_dir, write_atomic
from webnnpy.errors import DataError, NotFoundError, OperationError

if TYPE_CHECKING:
    from webnnpy.api.context import MLContext
    from webnnpy.api.graph import MLGraph

__all__ = [
    "DEFAULT_MAX_BYTES",
    "ENV_VAR",
    "FORMAT",
    "MAX_BYTES_ENV",
    "GraphStore",
    "cache_key",
    "cache_root",
    "file_digest",
    "load_graph_with_metadata",
    "max_bytes",
    "set_max_bytes",
    "try_load",
    "try_save",
]

#: environment variable naming webnnpy's cache directory (graphs go in
#: ``graphs/`` under it)
ENV_VAR = CACHE_DIR_ENV
#: the manifest format; a manifest of another format is rejected
FORMAT = "webnnpy-graph-cache/1"
#: bytes per checksummed chunk
CHUNK = 16 << 20
#: a directory no manifest names, older than this, is removed by writers
ORPHAN_AGE_S = 600.0

logger = logging.getLogger("webnnpy")

#: environment variable capping the store's total size: a byte count, with an
#: optional K/M/G/T suffix (powers of 1024), or "none"/"0" for no cap
MAX_BYTES_ENV = "WEBNNPY_CACHE_MAX_BYTES"
#: the cap when neither the variable nor :func:`set_max_bytes` says otherwise
DEFAULT_MAX_BYTES = 4 << 30
_UNSET: Any = object()
_max_bytes_override: Any = _UNSET
_SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def _parse_size(text: str) -> int | None:
    """``"512M"`` -> 536870912; ``"none"``/``"0"`` -> None (no cap)."""
    t = text.strip().upper()
    if t in ("NONE", "UNLIMITED"):
        return None
    m = re.fullmatch(r"(\d+(?:\.\d*)?)\s*([KMGT]?)(?:I?B)?", t)
    if m is None:
        raise ValueError(f"{MAX_BYTES_ENV}={text!r}: expected a byte count such "
                         f"as 2G, 500M or 1073741824, or 'none'")
    n = int(float(m.group(1)) * _SUFFIX[m.group(2)])
    return n or None


def set_max_bytes(limit: Any = _UNSET) -> None:
    """Cap the graph store's total size in bytes for this process (None: no
    cap); without an argument, go back to :data:`MAX_BYTES_ENV` or the
    default.  Applies to the next save.

    Raises:
        TypeError: ``limit`` is not an int or None.
        ValueError: ``limit`` is negative.
    """
    global _max_bytes_override
    if limit is not _UNSET and limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, int):
            raise TypeError(f"set_max_bytes: limit must be an int or None, got "
                            f"{type(limit).__name__}")
        if limit < 0:
            raise ValueError(f"set_max_bytes: limit must be >= 0, got {limit}")
        limit = limit or None
    _max_bytes_override = limit


def max_bytes() -> int | None:
    """The cap in force: :func:`set_max_bytes`'s, else :data:`MAX_BYTES_ENV`
    (read on each call), else :data:`DEFAULT_MAX_BYTES`; None is no cap."""
    if _max_bytes_override is not _UNSET:
        return _max_bytes_override  # type: ignore[no-any-return]
    env = os.environ.get(MAX_BYTES_ENV)
    if env is not None and env.strip():
        try:
            return _parse_size(env)
        except ValueError as e:
            warnings.warn(f"graph cache: {e}; using the default cap of "
                          f"{DEFAULT_MAX_BYTES} bytes", stacklevel=2)
    return DEFAULT_MAX_BYTES


def cache_root() -> Path:
    """The graph store's directory (read from the environment on each call):
    ``graphs/`` under webnnpy's cache directory (``$WEBNNPY_CACHE_DIR``, else
    ``$XDG_CACHE_HOME/webnnpy``, else ``~/.cache/webnnpy``)."""
    return cache_dir() / "graphs"


def _key_part(v: Any) -> Any:
    if isinstance(v, np.ndarray | np.generic):
        a = np.ascontiguousarray(v)
        return {"ndarray": a.dtype.str, "shape": list(a.shape),
                "sha256": hashlib.sha256(a.tobytes()).hexdigest()}
    if isinstance(v, os.PathLike):
        return os.fspath(v)
    raise TypeError(f"cache_key: cannot use a {type(v).__name__} in a key")


def cache_key(*parts: Any) -> str:
    """A key from parts (e.g. a file digest, dims, options): JSON values,
    NumPy arrays (by dtype, shape and a digest of their bytes) and paths.
    The same parts in the same order give the same key; dict order does not
    matter.

    Raises:
        TypeError: a part of another type.
    """
    text = json.dumps(parts, sort_keys=True, separators=(",", ":"),
                      default=_key_part)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def file_digest(path: str | os.PathLike[str]) -> str:
    """A digest of a file's contents, e.g. a model file's for
    :func:`cache_key`: ``"xxh3_128:<hex>"`` when the xxhash package is
    installed (10x faster than SHA-256: it is computed on every cached load),
    else ``"sha256:<hex>"``."""
    try:
        import xxhash
    except ImportError:
        h: Any = hashlib.sha256()
        name = "sha256"
    else:
        h = xxhash.xxh3_128()
        name = "xxh3_128"
    with open(path, "rb") as f:
        # through a read-only mapping: no copy into fresh 8 MiB blocks (the
        # two OCR models, 31 MB: 5 ms instead of 17 ms in a warm process)
        try:
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # empty, or a file system without mmap
            for block in iter(lambda: f.read(8 << 20), b""):
                h.update(block)
        else:
            with m:
                h.update(m)
    return f"{name}:{h.hexdigest()}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


@functools.cache
def _xxh3() -> Any:
    """``xxhash.xxh3_64_intdigest`` when the xxhash package is installed
    (about 3x faster than zlib's CRC-32 here), else None."""
    try:
        import xxhash
    except ImportError:
        return None
    return xxhash.xxh3_64_intdigest


def _chunk_sums(path: Path, size: int, fn: Callable[[Any], int]) -> list[int]:
    """``fn`` of each CHUNK of the file, chunks in parallel threads (zlib and
    xxhash release the GIL on large buffers)."""
    if size == 0:
        return []
    with open(path, "rb") as f:
        try:
            m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # a file system without mmap
            return [fn(block) for block in iter(lambda: f.read(CHUNK), b"")]
        with m:
            view = memoryview(m)
            try:
                chunks = [view[i:i + CHUNK] for i in range(0, len(m), CHUNK)]
                if len(chunks) == 1:
                    out = [fn(chunks[0])]
                else:
                    workers = min(len(chunks), os.cpu_count() or 1)
                    with ThreadPoolExecutor(workers) as pool:
                        out = list(pool.map(fn, chunks))
                for c in chunks:
                    c.release()
            finally:
                view.release()
    return out


def _crcs(path: Path, size: int) -> list[int]:
    """CRC-32 of each CHUNK of the file."""
    return _chunk_sums(path, size, zlib.crc32)


def _checksums(path: Path, size: int) -> dict[str, list[int]]:
    """What a manifest records of a file: per CHUNK, its CRC-32 (always) and
    its XXH3-64 (when xxhash is installed; loads then check that one)."""
    out = {"crc32": _crcs(path, size)}
    xxh3 = _xxh3()
    if xxh3 is not None:
        out["xxh3"] = _chunk_sums(path, size, xxh3)
    return out


def _verify(path: Path, size: int, info: Mapping[str, Any]) -> bool:
    """Whether the file matches the manifest's checksums (XXH3 when both
    the record and xxhash are there, else CRC-32)."""
    xxh3 = _xxh3()
    if xxh3 is not None and isinstance(info.get("xxh3"), list):
        return _chunk_sums(path, size, xxh3) == info["xxh3"]
    return _crcs(path, size) == info["crc32"]


@dataclass(frozen=True)
class Entry:
    """A verified entry: its manifest and the directory of its files."""

    manifest: dict[str, Any]
    directory: Path


class GraphStore:
    """The entries of one backend + fingerprint under a root directory."""

    def __init__(self, backend: str, fingerprint: Mapping[str, str],
                 root: Path | None = None, *,
                 max_bytes: Any = _UNSET) -> None:
        """``max_bytes``: the store's size cap for this object's saves
        (None: no cap; by default :func:`max_bytes`)."""
        from webnnpy import __version__

        self.max_bytes = globals()["max_bytes"]() if max_bytes is _UNSET \
            else max_bytes
        self.backend = backend
        # the package's version too: the manifest's meaning and the backend
        # code that reads the files are this version's
        self.fingerprint = {"webnnpy": __version__, **fingerprint}
        self.root = root if root is not None else cache_root()
        fp = json.dumps(self.fingerprint, sort_keys=True)
        self.dir = self.root / f"{backend}-{_digest(fp)[:16]}"

    # ------------------------------------------------------------ reading

    def _manifest_path(self, key: str) -> Path:
        return self.dir / f"{_digest(key)}.json"

    def _read_manifest(self, where: str, key: str, path: Path) -> dict[str, Any]:
        try:
            raw = path.read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            raise NotFoundError(self._not_found(where, key)) from None
        except OSError as e:
            raise DataError(f"{where}: cannot read the cache entry {path}: {e}"
                            ) from e
        try:
            man = json.loads(raw)
        except (ValueError, UnicodeDecodeError) as e:
            raise DataError(f"{where}: the cache entry {path} is corrupt (its "
                            f"manifest is not JSON: {e}); delete_graph({key!r}) "
                            f"removes it") from e
        self._check_manifest(where, key, path, man)
        return man  # type: ignore[no-any-return]

    def _check_manifest(self, where: str, key: str, path: Path, man: Any) -> None:
        def bad(why: str) -> DataError:
            return DataError(f"{where}: the cache entry {path} is {why}; "
                             f"delete_graph({key!r}) removes it")

        if not isinstance(man, dict) or man.get("format") != FORMAT:
            fmt = man.get("format") if isinstance(man, dict) else None
            raise bad(f"not a {FORMAT} manifest (format {fmt!r})")
        if man.get("key") != key:
            raise bad(f"foreign: made for the key {man.get('key')!r}, not {key!r}")
        if man.get("backend") != self.backend or \
                man.get("fingerprint") != self.fingerprint:
            raise bad(f"foreign: made by {man.get('backend')!r} with "
                      f"{man.get('fingerprint')!r}, but this context is "
                      f"{self.backend!r} with {self.fingerprint!r}")
        files = man.get("files")
        data = man.get("data")
        if not isinstance(files, dict) or not isinstance(data, str) \
                or "/" in data or "\\" in data or data in ("", ".", ".."):
            raise bad("corrupt (no valid file list)")
        for name, info in files.items():
            if not isinstance(name, str) or "/" in name or "\\" in name \
                    or name in ("", ".", "..") or not isinstance(info, dict) \
                    or not isinstance(info.get("size"), int) \
                    or not isinstance(info.get("crc32"), list):
                raise bad(f"corrupt (bad file record {name!r})")
        for what in ("inputs", "outputs"):
            descs = man.get(what)
            if not isinstance(descs, dict) or not all(
                    isinstance(d, dict) and isinstance(d.get("data_type"), str)
                    and isinstance(d.get("shape"), list) for d in descs.values()):
                raise bad(f"corrupt (bad {what})")

    def _not_found(self, where: str, key: str) -> str:
        msg = (f"{where}: no graph is saved under the key {key!r} for this "
               f"context ({self.backend}, {_fp_text(self.fingerprint)}) in "
               f"{self.root}")
        others = []
        name = self._manifest_path(key).name
        with contextlib.suppress(OSError):
            for d in sorted(self.root.iterdir()):
                if d != self.dir and (d / name).is_file():
                    others.append(d.name)
        if others:
            msg += (f"; entries of that key exist for other runtimes or machines "
                    f"({', '.join(others)}), which this context cannot use: save "
                    f"it again")
        return msg

    def load(self, where: str, key: str, *, verify: bool = True) -> Entry:
        """The entry of ``key``, its files checked against the manifest."""
        path = self._manifest_path(key)
        for attempt in range(3):
            man = self._read_manifest(where, key, path)
            try:
                entry = self._check_files(where, key, man, verify)
                with contextlib.suppress(OSError):  # a read-only store: no LRU
                    os.utime(path)
                return entry
            except DataError:
                # a concurrent writer may have replaced the manifest and
                # removed the files it named since we read it: look again
                if attempt == 2 or not self.replaced(key, man):
                    raise
        raise AssertionError("unreachable")

    def replaced(self, key: str, man: Mapping[str, Any]) -> bool:
        """Whether the manifest of ``key`` now names other files than ``man``."""
        try:
            now = json.loads(self._manifest_path(key).read_bytes())
        except (OSError, ValueError, UnicodeDecodeError):
            return False
        return isinstance(now, dict) and now.get("data") != man.get("data")

    def _check_files(self, where: str, key: str, man: dict[str, Any],
                     verify: bool) -> Entry:
        directory = self.dir / man["data"]
        for name, info in man["files"].items():
            f = directory / name
            try:
                size = f.stat().st_size
            except OSError as e:
                raise DataError(f"{where}: the cache entry of {key!r} lacks its "
                                f"file {f} ({e}); delete_graph({key!r}) removes "
                                f"it") from e
            if size != info["size"]:
                raise DataError(f"{where}: the cache entry of {key!r} is "
                                f"truncated or corrupt: {f} has {size} bytes, its "
                                f"manifest says {info['size']}; "
                                f"delete_graph({key!r}) removes it")
            if verify:
                try:
                    ok = _verify(f, size, info)
                except (OSError, ValueError) as e:
                    raise DataError(f"{where}: cannot read {f}: {e}") from e
                if not ok:
                    raise DataError(f"{where}: the cache entry of {key!r} is "
                                    f"corrupt: {f} fails its checksum; "
                                    f"delete_graph({key!r}) removes it")
        return Entry(man, directory)

    def keys(self) -> list[str]:
        """Every key with a readable manifest of this store, sorted (entries
        whose manifest is unreadable or foreign are left out, with a log
        message)."""
        out = []
        try:
            paths = sorted(self.dir.glob("*.json"))
        except OSError:
            return []
        for p in paths:
            try:
                man = json.loads(p.read_bytes())
                key = man.get("key") if isinstance(man, dict) else None
                if not isinstance(key, str) or p.name != f"{_digest(key)}.json":
                    raise ValueError("not a manifest of this store")
                self._check_manifest("list_graphs", key, p, man)
            except FileNotFoundError:
                continue  # deleted meanwhile
            except (OSError, ValueError, UnicodeDecodeError, DataError) as e:
                logger.warning("list_graphs: skipping the unreadable cache entry "
                               "%s: %s", p, e)
                continue
            out.append(key)
        return sorted(out)

    # ------------------------------------------------------------ writing

    def save(self, where: str, key: str, export: Callable[[Path], dict[str, Any]],
             inputs: Mapping[str, Any], outputs: Mapping[str, Any],
             metadata: Mapping[str, Any] | None) -> Path:
        """Publish a new entry of ``key``: ``export(directory)`` writes the
        backend's files.  Returns the manifest's path.

        Raises:
            OperationError: the store cannot be written (read-only, full...).
        """
        digest = _digest(key)
        token = secrets.token_hex(8)
        tmp = self.dir / f".{digest}.{token}.tmp"
        final = self.dir / f"{digest}.{token}"
        manifest_path = self._manifest_path(key)
        try:
            meta_json = json.dumps(dict(metadata or {}))
        except (TypeError, ValueError) as e:
            raise TypeError(f"{where}: metadata must be JSON-serializable: {e}"
                            ) from e
        try:
            tmp.mkdir(parents=True)
        except OSError as e:
            raise OperationError(f"{where}: cannot write the graph cache in "
                                 f"{self.dir}: {e}") from e
        try:
            backend_meta = export(tmp)
            files: dict[str, Any] = {}
            for f in sorted(tmp.iterdir()):
                if not f.is_file():
                    raise OperationError(f"{where}: the {self.backend} backend "
                                         f"wrote {f.name}, which is not a file")
                size = f.stat().st_size
                files[f.name] = {"size": size, **_checksums(f, size)}
            manifest = {
                "format": FORMAT, "key": key, "backend": self.backend,
                "fingerprint": self.fingerprint, "data": final.name,
                "files": files, "inputs": dict(inputs), "outputs": dict(outputs),
                "backend_meta": backend_meta, "metadata": json.loads(meta_json),
                "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            }
            text = json.dumps(manifest, indent=1, sort_keys=True)
            prev = self._data_of(manifest_path)
            os.replace(tmp, final)
            _write_atomic(manifest_path, text.encode())
        except OSError as e:
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.rmtree(final, ignore_errors=True)
            raise OperationError(f"{where}: cannot write the graph cache in "
                                 f"{self.dir}: {e}") from e
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        self._collect(digest, prev, final.name)
        if self.max_bytes is not None:
            try:
                self.evict(self.max_bytes, keep=manifest_path)
            except OSError as e:  # never fail a save for its housekeeping
                logger.warning("graph cache: evicting to %d bytes failed: %s",
                               self.max_bytes, e)
        return manifest_path

    def evict(self, limit: int, keep: Path | None = None) -> list[Path]:
        """Delete the least recently used entries of every store under the
        root (all backends and fingerprints) until their files total at most
        ``limit`` bytes; ``keep`` (a manifest path) is never deleted.
        Returns the manifests deleted."""
        entries: list[tuple[float, int, Path, Path | None]] = []
        total = 0
        with contextlib.suppress(OSError):
            for store in self.root.iterdir():
                if not store.is_dir():
                    continue
                for m in store.glob("*.json"):
                    try:
                        used = m.stat().st_mtime
                        man = json.loads(m.read_bytes())
                        files = man["files"]
                        size = sum(int(f["size"]) for f in files.values()) \
                            + m.stat().st_size
                        data = man.get("data")
                        d = store / data if isinstance(data, str) and data \
                            and "/" not in data and "\\" not in data \
                            and data not in (".", "..") else None
                    except (OSError, ValueError, KeyError, TypeError,
                            AttributeError, UnicodeDecodeError):
                        continue  # unreadable or deleted meanwhile: not counted
                    total += size
                    entries.append((used, size, m, d))
        removed = []
        for _used, size, m, d in sorted(entries, key=lambda e: e[0]):
            if total <= limit:
                break
            if keep is not None and m == keep:
                continue
            with contextlib.suppress(FileNotFoundError):
                m.unlink()
            if d is not None:
                shutil.rmtree(d, ignore_errors=True)
            total -= size
            removed.append(m)
            logger.info("graph cache: evicted %s (%d bytes, least recently "
                        "used) to keep the store under %d bytes", m, size, limit)
        return removed

    def _data_of(self, manifest_path: Path) -> str | None:
        """The directory name a manifest names (None if unreadable)."""
        try:
            man = json.loads(manifest_path.read_bytes())
        except (OSError, ValueError, UnicodeDecodeError):
            return None
        data = man.get("data") if isinstance(man, dict) else None
        if not isinstance(data, str) or "/" in data or "\\" in data \
                or data in ("", ".", ".."):
            return None
        return data

    def _collect(self, digest: str, prev: str | None, ours: str) -> None:
        """Remove the key's directories no manifest names any more: the
        previous entry's right away, others (a crashed writer's, or a
        concurrent writer's that lost the race) only once they are old, as
        such a writer may be about to publish its manifest."""
        keep = self._data_of(self._manifest_path_of(digest)) or ours
        if prev is not None and prev != keep:
            shutil.rmtree(self.dir / prev, ignore_errors=True)
        now = time.time()
        with contextlib.suppress(OSError):
            for d in self.dir.iterdir():
                n = d.name
                if not (n.startswith(f"{digest}.") or n.startswith(f".{digest}.")) \
                        or n in (keep, f"{digest}.json"):
                    continue
                with contextlib.suppress(OSError):
                    if now - d.lstat().st_mtime <= ORPHAN_AGE_S:
                        continue
                    if d.is_dir() and not d.is_symlink():
                        shutil.rmtree(d, ignore_errors=True)
                    elif n.endswith(".tmp"):  # a crashed manifest write
                        d.unlink()

    def _manifest_path_of(self, digest: str) -> Path:
        return self.dir / f"{digest}.json"

    def delete(self, key: str) -> None:
        """Remove the entry of ``key`` (nothing if there is none)."""
        path = self._manifest_path(key)
        data = self._data_of(path)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        if data is not None:
            shutil.rmtree(self.dir / data, ignore_errors=True)


_write_atomic = write_atomic


def _fp_text(fp: Mapping[str, str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in fp.items() if k != "cpu_flags")


# ------------------------------------------------------------ implicit use


def load_graph_with_metadata(context: MLContext, key: str
                             ) -> tuple[MLGraph, dict[str, Any]]:
    """``context.load_graph(key)`` and the ``metadata`` it was saved with
    (one read of the entry, so the two always belong together)."""
    return context._load_graph_promise(key).result()  # type: ignore[no-any-return]


def try_load(context: MLContext, key: str) -> tuple[MLGraph, dict[str, Any]] | None:
    """For a cache used implicitly: the graph and metadata saved under
    ``key``, or None when there is none, or (with a warning) when the entry
    is unusable or the backend cannot load graphs."""
    from webnnpy.errors import NotSupportedError

    try:
        return load_graph_with_metadata(context, key)
    except (NotFoundError, NotSupportedError):
        return None
    except DataError as e:
        warnings.warn(f"graph cache: {e}; building instead", stacklevel=2)
        return None


def try_save(context: MLContext, key: str, graph: MLGraph,
             metadata: Mapping[str, Any] | None = None) -> bool:
    """For a cache used implicitly: save, and on failure (read-only or full
    cache directory, a backend without a compiled form to save) warn and go
    on without the cache.  Returns whether the graph was saved."""
    from webnnpy.errors import NotSupportedError

    try:
        context.save_graph(key, graph, metadata=metadata)
    except NotSupportedError:
        return False
    except OperationError as e:
        warnings.warn(f"graph cache: {e}; going on without the cache",
                      stacklevel=2)
        return False
    return True
