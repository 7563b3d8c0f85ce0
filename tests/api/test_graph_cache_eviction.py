"""The graph cache's size cap: least recently used entries are evicted when
a save takes the store (every backend and fingerprint under the root) over
its byte budget; the cap comes from ``GraphStore(max_bytes=)``,
``set_max_bytes`` or ``$WEBNNPY_CACHE_MAX_BYTES``.

Sizes are read from the files on disk, not from the code under test.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import webnnpy
from webnnpy import graph_cache as public
from webnnpy.api import graph_cache


@pytest.fixture
def store_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(graph_cache.ENV_VAR, str(tmp_path))
    monkeypatch.delenv(graph_cache.MAX_BYTES_ENV, raising=False)
    yield tmp_path / "graphs"
    graph_cache.set_max_bytes()


@pytest.fixture
def ctx() -> Any:
    c = webnnpy.ml.create_context(backend="numpy")
    yield c
    c.destroy()


def _graph(ctx: Any, n: int) -> Any:
    # n float32 weights: the saved entry holds about 4n bytes of constants
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [n]})
    w = b.constant({"data_type": "float32", "shape": [n]},
                   np.arange(n, dtype=np.float32))
    return b.build({"y": b.add(x, w)})


def _disk_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in root.rglob("*") if p.is_file())


def _age(store_dir: Path, key: str, seconds: float) -> None:
    """Make the entry of ``key`` look last used ``seconds`` ago."""
    for m in store_dir.glob("*/*.json"):
        if key in m.read_text():
            t = time.time() - seconds
            os.utime(m, (t, t))
            return
    raise AssertionError(f"no manifest names {key!r}")


def test_least_recently_used_entry_is_evicted(ctx: Any, store_dir: Path) -> None:
    g = _graph(ctx, 16384)  # 64 KiB of weights per entry
    for i, key in enumerate(("a", "b", "c")):
        ctx.save_graph(key, g)
        _age(store_dir, key, 300 - 100 * i)  # a oldest, c newest
    one = _disk_bytes(store_dir) / 3
    ctx.load_graph("a")  # a load is a use: now b is the least recent
    graph_cache.set_max_bytes(int(3.5 * one))
    ctx.save_graph("d", g)
    assert ctx.list_graphs() == ["a", "c", "d"]
    assert _disk_bytes(store_dir) <= 3.5 * one
    with pytest.raises(webnnpy.NotFoundError):
        ctx.load_graph("b")
    x = np.ones(16384, np.float32)
    got = ctx.compute(ctx.load_graph("a"), {"x": x})["y"]
    np.testing.assert_array_equal(got, x + np.arange(16384, dtype=np.float32))


def test_an_entry_larger_than_the_cap_is_kept_alone(ctx: Any, store_dir: Path
                                                    ) -> None:
    ctx.save_graph("small", _graph(ctx, 16))
    graph_cache.set_max_bytes(1000)
    ctx.save_graph("big", _graph(ctx, 4096))  # 16 KiB > 1000 bytes
    assert ctx.list_graphs() == ["big"]


def test_env_var_sets_the_cap(ctx: Any, store_dir: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(graph_cache.MAX_BYTES_ENV, "1k")
    assert public.max_bytes() == 1024
    ctx.save_graph("one", _graph(ctx, 1024))
    ctx.save_graph("two", _graph(ctx, 1024))
    assert ctx.list_graphs() == ["two"]
    for text, want in (("none", None), ("0", None), ("2G", 2 << 30),
                       ("500M", 500 << 20), ("1.5GiB", 3 << 29), ("123", 123)):
        monkeypatch.setenv(graph_cache.MAX_BYTES_ENV, text)
        assert public.max_bytes() == want, text
    monkeypatch.setenv(graph_cache.MAX_BYTES_ENV, "lots")
    with pytest.warns(UserWarning, match="WEBNNPY_CACHE_MAX_BYTES='lots'"):
        assert public.max_bytes() == public.DEFAULT_MAX_BYTES
    monkeypatch.delenv(graph_cache.MAX_BYTES_ENV)
    assert public.max_bytes() == public.DEFAULT_MAX_BYTES == 4 << 30


def test_no_cap_keeps_everything_and_the_argument_wins(ctx: Any, store_dir: Path,
                                                       monkeypatch: pytest.MonkeyPatch
                                                       ) -> None:
    monkeypatch.setenv(graph_cache.MAX_BYTES_ENV, "1k")
    graph_cache.set_max_bytes(None)  # the argument overrides the variable
    g = _graph(ctx, 1024)
    for key in ("a", "b", "c"):
        ctx.save_graph(key, g)
    assert ctx.list_graphs() == ["a", "b", "c"]
    store = graph_cache.GraphStore("numpy", {"x": "y"}, store_dir, max_bytes=0)
    assert store.max_bytes == 0
    removed = store.evict(0)
    assert len(removed) == 3 and ctx.list_graphs() == []


def test_eviction_spans_other_fingerprints(ctx: Any, store_dir: Path) -> None:
    # an entry of another runtime version (a stale store) is evicted first
    g = _graph(ctx, 4096)
    ctx.save_graph("mine", g)
    [mine] = list(store_dir.iterdir())
    other = store_dir / "numpy-0123456789abcdef"
    other.mkdir()
    for p in mine.iterdir():
        target = other / p.name
        if p.is_dir():
            target.mkdir()
            for f in p.iterdir():
                (target / f.name).write_bytes(f.read_bytes())
        else:
            target.write_bytes(p.read_bytes())
    for m in other.glob("*.json"):
        os.utime(m, (time.time() - 1000, time.time() - 1000))
    one = _disk_bytes(mine)
    graph_cache.set_max_bytes(int(1.5 * one))
    ctx.save_graph("mine2", _graph(ctx, 16))
    assert not list(other.glob("*.json"))
    assert ctx.list_graphs() == ["mine", "mine2"]


def test_set_max_bytes_rejects_bad_values() -> None:
    with pytest.raises(TypeError, match="int or None"):
        graph_cache.set_max_bytes("1G")
    with pytest.raises(ValueError, match=">= 0"):
        graph_cache.set_max_bytes(-1)
    graph_cache.set_max_bytes()
