"""Detection rows as a Parquet dataset: ``webnnpy detect ... --out X.parquet``.

An ``--out`` path ending in ``.parquet`` is a Parquet *dataset folder*, as
Ray Data's ``write_parquet`` (and Spark) write one: ``part-*.parquet`` files
that ``pyarrow.parquet.read_table(X)``, ``pandas.read_parquet(X)``,
``ray.data.read_parquet(X)`` or DuckDB read as one table.  A Parquet file
cannot be appended to, so each run adds part files; each is written to a
hidden temporary name and renamed into place once complete, so a run that
stops leaves only whole files (the rows not yet flushed are done again on
the next run, which skips every path the folder holds: resumable like
JSONL).

One schema for every kind (:func:`schema`), the JSONL row's fields as
columns: ``path``, ``kind``, ``width``, ``height``, ``detections`` (a list
of structs with the spec dictionaries' camelCase fields, null where a kind
has no such field: ``rawValue`` / ``format`` / ``cornerPoints`` for text and
barcodes, ``landmarks`` / ``keypoints`` (a map) / ``score`` for faces) and
``error`` (null for a decoded image).

Needs ``pyarrow`` (``pip install 'webnnpy[detect]'``).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["PART_PREFIX", "ParquetRowWriter", "done_paths", "is_parquet",
           "read_rows", "rows_to_table", "schema"]

#: the part files' name prefix (a run adds ``part-<run>-<n>.parquet``)
PART_PREFIX = "part-"


def is_parquet(out: str | os.PathLike[str]) -> bool:
    """Whether ``out`` names a Parquet dataset (it ends in ``.parquet``)."""
    return str(out).lower().endswith(".parquet")


def _pyarrow() -> Any:
    try:
        import pyarrow as pa
        import pyarrow.parquet  # the submodule, reached as pa.parquet
    except ImportError as e:
        raise ImportError("Parquet output needs pyarrow: pip install pyarrow "
                          "(or 'webnnpy[detect]')") from e
    return pa


def schema() -> Any:
    """The ``pyarrow.Schema`` of the rows, the same for every kind."""
    pa = _pyarrow()
    point = pa.struct([("x", pa.float64()), ("y", pa.float64())])
    rect = pa.struct([("x", pa.float64()), ("y", pa.float64()),
                      ("width", pa.float64()), ("height", pa.float64())])
    landmark = pa.struct([("type", pa.string()),
                          ("locations", pa.list_(point))])
    detection = pa.struct([
        ("boundingBox", rect),
        ("rawValue", pa.string()),
        ("format", pa.string()),
        ("cornerPoints", pa.list_(point)),
        ("landmarks", pa.list_(landmark)),
        ("keypoints", pa.map_(pa.string(), point)),
        ("score", pa.float64()),
    ])
    return pa.schema([
        ("path", pa.string()),
        ("kind", pa.string()),
        ("width", pa.int64()),
        ("height", pa.int64()),
        ("detections", pa.list_(detection)),
        ("error", pa.string()),
    ])


def rows_to_table(rows: Sequence[Mapping[str, Any]]) -> Any:
    """The ``pyarrow.Table`` of JSONL-shaped rows (:func:`schema`).

    Raises:
        ValueError: a row field the schema has no column for (a new field
            must be added to the schema, never dropped silently).
    """
    pa = _pyarrow()
    sch = schema()
    names = set(sch.names)
    det_fields = {f.name for f in sch.field("detections").type.value_type}
    for row in rows:
        extra = set(row) - names
        for d in row.get("detections") or ():
            extra |= set(d) - det_fields
        if extra:
            raise ValueError(f"detect: no Parquet column for {sorted(extra)} "
                             f"(row of {row.get('path')!r})")
    return pa.Table.from_pylist(list(rows), schema=sch)


def _parts(out: Path) -> list[Path]:
    if not out.is_dir():
        return []
    return sorted(p for p in out.iterdir()
                  if p.suffix == ".parquet" and not p.name.startswith((".", "_")))


def done_paths(out: str | os.PathLike[str]) -> set[str]:
    """The paths the dataset folder ``out`` already has a row for (none if
    it does not exist).

    Raises:
        NotADirectoryError: ``out`` is a file (not a dataset folder).
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(20, "--out ending in .parquet must be a Parquet "
                                 "dataset folder, and this is a file", str(out))
    pa = _pyarrow()
    done: set[str] = set()
    for part in _parts(out):
        col = pa.parquet.read_table(part, columns=["path"]).column("path")
        done.update(p for p in col.to_pylist() if isinstance(p, str))
    return done


def read_rows(out: str | os.PathLike[str],
              columns: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """Every row of the dataset folder ``out`` as dicts (part files in name
    order; a ``keypoints`` map comes back as a list of ``(key, value)``
    pairs, as pyarrow gives maps)."""
    pa = _pyarrow()
    rows: list[dict[str, Any]] = []
    for part in _parts(Path(out)):
        rows.extend(pa.parquet.read_table(part, columns=columns).to_pylist())
    return rows


class ParquetRowWriter:
    """Buffers rows and writes them to ``out`` (a dataset folder) as part
    files of up to ``flush_rows`` rows, or sooner when ``flush_seconds`` have
    passed since the last file: the rows a stopped run loses are at most
    those of one unwritten part, and the next run does them again."""

    def __init__(self, out: str | os.PathLike[str], *, flush_rows: int = 256,
                 flush_seconds: float = 30.0) -> None:
        if flush_rows < 1:
            raise ValueError(f"flush_rows must be at least 1, got {flush_rows}")
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.flush_rows = flush_rows
        self.flush_seconds = flush_seconds
        self.run = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.files: list[Path] = []
        self._rows: list[Mapping[str, Any]] = []
        self._last = time.monotonic()

    def write(self, row: Mapping[str, Any]) -> None:
        """Add one row; writes a part file when the buffer is due."""
        self._rows.append(row)
        if (len(self._rows) >= self.flush_rows
                or time.monotonic() - self._last >= self.flush_seconds):
            self.flush()

    def write_all(self, rows: Iterable[Mapping[str, Any]]) -> None:
        for row in rows:
            self.write(row)

    def flush(self) -> None:
        """Write the buffered rows as one part file (atomically: a hidden
        temporary name, renamed when complete)."""
        self._last = time.monotonic()
        if not self._rows:
            return
        table = rows_to_table(self._rows)
        name = f"{PART_PREFIX}{self.run}-{len(self.files):05d}.parquet"
        tmp = self.out / f".tmp-{name}"
        _pyarrow().parquet.write_table(table, tmp)
        os.replace(tmp, self.out / name)
        self.files.append(self.out / name)
        self._rows = []

    def close(self) -> None:
        self.flush()

    def __enter__(self) -> ParquetRowWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        # rows detected before an exception are kept (a stopped run resumes)
        self.close()
