"""The graph cache: MLContext.save_graph / load_graph / list_graphs /
delete_graph (the WebNN MLGraph cache explainer, a declared extension).

Expected values come from NumPy float64 formulas written here; a loaded
graph must also give exactly the original graph's results (the same
compiled form runs).  Every test uses its own cache directory
(``WEBNNPY_CACHE_DIR`` set to a tmp_path).
"""

from __future__ import annotations

import asyncio
import errno
import importlib
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from apitest_helpers import raises

import webnnpy
from helpers import BACKENDS
from webnnpy.api import graph_cache
from webnnpy.api.context import MLContext
from webnnpy.backends import backend_class
from webnnpy.backends.base import Backend
from webnnpy.backends.numpy.backend import NumpyBackend
from webnnpy.ir.registry import FAMILIES


#: the backends under test that have a compiled form to save (they override
#: the hook; a backend that wires it in later is tested here by itself)
def _caches(name: str) -> bool:
    try:
        cls = backend_class(name)
    except ImportError:
        return False
    return cls.cache_fingerprint is not Backend.cache_fingerprint


CACHING = [b for b in BACKENDS if _caches(b)]

N = 48  # W is N x N float32: 9 KiB, stored as ORT external data (>= 1 KiB)


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "cache"
    monkeypatch.setenv(graph_cache.ENV_VAR, str(d))
    return d / "graphs"


@pytest.fixture(params=CACHING)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


def _ctx(backend: str) -> MLContext:
    return webnnpy.ml.create_context(backend=backend)


def _weights(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    w = rng.uniform(-1, 1, (N, N)).astype(np.float32)
    b = rng.uniform(-1, 1, (N,)).astype(np.float32)
    return w, b


def _dense(ctx: MLContext, seed: int = 1) -> webnnpy.MLGraph:
    """y = relu(x @ W + b), z = tanh(x) * 2."""
    w, b = _weights(seed)
    g = webnnpy.MLGraphBuilder(ctx)
    x = g.input("x", {"data_type": "float32", "shape": [2, N]})
    y = g.relu(g.add(g.matmul(x, g.constant(w)), g.constant(b)))
    z = g.mul(g.tanh(x), g.constant("float32", 2.0))
    return g.build({"y": y, "z": z})


def _expected(x: np.ndarray, seed: int = 1) -> dict[str, np.ndarray]:
    w, b = _weights(seed)
    x64 = x.astype(np.float64)
    return {"y": np.maximum(x64 @ w.astype(np.float64) + b, 0.0),
            "z": np.tanh(x64) * 2.0}


def _x(seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-2, 2, (2, N)).astype(np.float32)


def _check(out: dict[str, np.ndarray], seed: int = 1) -> None:
    exp = _expected(_x(), seed)
    assert set(out) == {"y", "z"}
    for k in exp:
        assert out[k].dtype == np.float32
        np.testing.assert_allclose(out[k], exp[k], rtol=1e-5, atol=1e-5)


def _entry_dir(cache: Path) -> Path:
    """The one fingerprint directory in the cache."""
    dirs = [d for d in cache.iterdir() if d.is_dir()]
    assert len(dirs) == 1, dirs
    return dirs[0]


def _manifest(cache: Path, key: str) -> tuple[Path, dict[str, Any]]:
    d = _entry_dir(cache)
    for p in d.glob("*.json"):
        man = json.loads(p.read_text())
        if man["key"] == key:
            return p, man
    raise AssertionError(f"no manifest of {key!r}")


# ----------------------------------------------------------- round trips


def test_round_trip_same_and_fresh_context(backend: str) -> None:
    ctx = _ctx(backend)
    graph = _dense(ctx)
    original = ctx.compute(graph, {"x": _x()})
    _check(original)
    ctx.save_graph("dense", graph)
    again = ctx.load_graph("dense")
    assert again is not graph
    fresh = _ctx(backend)
    loaded = fresh.load_graph("dense")
    assert loaded.inputs == graph.inputs and loaded.outputs == graph.outputs
    for g, c in ((again, ctx), (loaded, fresh)):
        out = c.compute(g, {"x": _x()})
        _check(out)
        for k in original:  # the same compiled form: the very same numbers
            np.testing.assert_array_equal(out[k], original[k])


def test_loaded_graph_dispatches_and_destroys(backend: str) -> None:
    ctx = _ctx(backend)
    ctx.save_graph("dense", _dense(ctx))
    fresh = _ctx(backend)
    g = fresh.load_graph("dense")
    x = fresh.create_tensor({"data_type": "float32", "shape": [2, N],
                             "writable": True})
    y = fresh.create_tensor({"data_type": "float32", "shape": [2, N],
                             "readable": True})
    z = fresh.create_tensor({"data_type": "float32", "shape": [2, N],
                             "readable": True})
    fresh.write_tensor(x, _x())
    fresh.dispatch(g, {"x": x}, {"y": y, "z": z})
    _check({"y": fresh.read_tensor(y), "z": fresh.read_tensor(z)})
    g.destroy()
    g.destroy()
    with raises(webnnpy.InvalidStateError, "dispatch", "destroyed"):
        fresh.dispatch(g, {"x": x}, {"y": y, "z": z})
    # the entry is still there: destroying a loaded graph deletes nothing
    assert fresh.list_graphs() == ["dense"]
    # a loaded graph belongs to its context: lost with it
    g2 = fresh.load_graph("dense")
    fresh.destroy()
    with raises(webnnpy.InvalidStateError, "compute", "context is lost"):
        fresh.compute(g2, {"x": _x()})


def test_loaded_graph_outlives_its_entry_and_read_buffers(backend: str) -> None:
    """A loaded graph computes right after its entry is deleted and the
    memory its files were read into may have been reused (OpenVINO's CPU
    plugin uses an imported blob's constants in place)."""
    import gc

    ctx = _ctx(backend)
    ctx.save_graph("dense", _dense(ctx))
    fresh = _ctx(backend)
    g = fresh.load_graph("dense")
    fresh.delete_graph("dense")
    gc.collect()
    # fresh allocations of the sizes just freed, filled with garbage
    junk = [np.full(n, 0x7F, np.uint8) for n in range(1 << 10, 1 << 18, 1 << 10)]
    _check(fresh.compute(g, {"x": _x()}))
    del junk


def test_round_trip_in_a_fresh_process(backend: str, tmp_path: Path,
                                       cache_dir: Path) -> None:
    ctx = _ctx(backend)
    ctx.save_graph("dense in another process", _dense(ctx))
    np.save(tmp_path / "x.npy", _x())
    script = textwrap.dedent(f"""
        import numpy as np, webnnpy
        ctx = webnnpy.ml.create_context(backend={backend!r})
        g = ctx.load_graph("dense in another process")
        out = ctx.compute(g, {{"x": np.load({str(tmp_path / 'x.npy')!r})}})
        np.save({str(tmp_path / 'y.npy')!r}, out["y"])
        np.save({str(tmp_path / 'z.npy')!r}, out["z"])
    """)
    env = dict(os.environ, **{graph_cache.ENV_VAR: str(cache_dir.parent)})
    r = subprocess.run([sys.executable, "-c", script], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    _check({"y": np.load(tmp_path / "y.npy"), "z": np.load(tmp_path / "z.npy")})


def test_async_forms(backend: str) -> None:
    ctx = _ctx(backend)
    graph = _dense(ctx)

    async def main() -> Any:
        await ctx.save_graph_async("k", graph)
        keys = await ctx.list_graphs_async()
        loaded = await ctx.load_graph_async("k")
        return keys, loaded

    keys, loaded = asyncio.run(main())
    assert keys == ["k"]
    _check(ctx.compute(loaded, {"x": _x()}))


def test_a_loaded_graph_saves_again(backend: str) -> None:
    ctx = _ctx(backend)
    ctx.save_graph("a", _dense(ctx))
    fresh = _ctx(backend)
    fresh.save_graph("b", fresh.load_graph("a"))
    fresh.delete_graph("a")
    _check(fresh.compute(fresh.load_graph("b"), {"x": _x()}))


def test_metadata_round_trips(backend: str) -> None:
    ctx = _ctx(backend)
    meta = {"dims": {"batch": 2}, "names": ["a", "b"], "nan": None}
    ctx.save_graph("m", _dense(ctx), metadata=meta)
    graph, got = graph_cache.load_graph_with_metadata(_ctx(backend), "m")
    assert got == meta
    assert set(graph.outputs) == {"y", "z"}


# ----------------------------------------------------------- list, delete


def test_list_and_delete(backend: str, cache_dir: Path) -> None:
    ctx = _ctx(backend)
    assert ctx.list_graphs() == []
    g = _dense(ctx)
    for key in ("b", "a", "ключ/../with slash", ""):
        ctx.save_graph(key, g)
    assert ctx.list_graphs() == sorted(["b", "a", "ключ/../with slash", ""])
    loaded = ctx.load_graph("a")
    ctx.delete_graph("a")
    ctx.delete_graph("a")  # nothing left: no error, as deleteGraph returns
    assert ctx.list_graphs() == sorted(["b", "ключ/../with slash", ""])
    with raises(webnnpy.NotFoundError, "load_graph", "'a'"):
        ctx.load_graph("a")
    _check(ctx.compute(loaded, {"x": _x()}))  # still runs after delete
    for key in ("b", "ключ/../with slash", ""):
        ctx.delete_graph(key)
    assert ctx.list_graphs() == []
    assert list(_entry_dir(cache_dir).iterdir()) == []


def test_saving_again_replaces_the_entry(backend: str, cache_dir: Path) -> None:
    ctx = _ctx(backend)
    ctx.save_graph("k", _dense(ctx, seed=1))
    ctx.save_graph("k", _dense(ctx, seed=2))
    _check(ctx.compute(ctx.load_graph("k"), {"x": _x()}), seed=2)
    # the first entry's files are gone: one manifest, one directory
    names = sorted(p.name for p in _entry_dir(cache_dir).iterdir())
    assert len(names) == 2, names
    assert sum(n.endswith(".json") for n in names) == 1


def test_entries_are_per_backend() -> None:
    if not {"numpy", "onnxruntime"} <= set(CACHING):
        pytest.skip("needs both backends")
    a, b = _ctx("numpy"), _ctx("onnxruntime")
    a.save_graph("k", _dense(a))
    assert b.list_graphs() == []
    with raises(webnnpy.NotFoundError, "'k'", "other runtimes or machines",
                "numpy-"):
        b.load_graph("k")


# ----------------------------------------------------------- bad input


def test_bad_arguments(backend: str) -> None:
    ctx, other = _ctx(backend), _ctx(backend)
    g = _dense(ctx)
    with raises(TypeError, "save_graph", "key must be a string", "int"):
        ctx.save_graph(1, g)  # type: ignore[arg-type]
    with raises(TypeError, "save_graph", "graph must be an MLGraph", "str"):
        ctx.save_graph("k", "graph")  # type: ignore[arg-type]
    with raises(TypeError, "save_graph", "another context"):
        other.save_graph("k", g)
    with raises(TypeError, "save_graph", "metadata must be JSON-serializable"):
        ctx.save_graph("k", g, metadata={"a": object()})
    with raises(TypeError, "load_graph", "key must be a string", "bytes"):
        ctx.load_graph(b"k")  # type: ignore[arg-type]
    with raises(TypeError, "delete_graph", "key must be a string"):
        ctx.delete_graph(None)  # type: ignore[arg-type]
    with raises(webnnpy.NotFoundError, "load_graph", "no graph is saved",
                "'nothing here'", backend):
        ctx.load_graph("nothing here")
    g.destroy()
    with raises(webnnpy.InvalidStateError, "save_graph", "destroyed"):
        ctx.save_graph("k", g)
    ctx.destroy()
    for call in (lambda: ctx.load_graph("k"), ctx.list_graphs,
                 lambda: ctx.delete_graph("k")):
        with raises(webnnpy.InvalidStateError, "context is lost"):
            call()
    assert other.list_graphs() == []  # nothing was saved by the failures


def test_backend_without_a_compiled_form() -> None:
    class NoCache(NumpyBackend):
        def cache_fingerprint(self) -> None:
            return None

    ctx = MLContext(NoCache(), power_preference="default", accelerated=False)
    g = _dense(ctx)
    for call in (lambda: ctx.save_graph("k", g), lambda: ctx.load_graph("k"),
                 ctx.list_graphs, lambda: ctx.delete_graph("k")):
        with raises(webnnpy.NotSupportedError, "cannot save or load compiled"):
            call()
    assert graph_cache.try_save(ctx, "k", g) is False  # quietly: nothing to do
    assert graph_cache.try_load(ctx, "k") is None


def _saved(backend: str, key: str = "k") -> tuple[MLContext, Path,
                                                  dict[str, Any], Path]:
    ctx = _ctx(backend)
    ctx.save_graph(key, _dense(ctx))
    cache = graph_cache.cache_root()
    path, man = _manifest(cache, key)
    return ctx, path, man, path.parent / man["data"]


def _biggest(data: Path) -> Path:
    return max(data.iterdir(), key=lambda f: f.stat().st_size)


def test_corrupt_manifest(backend: str) -> None:
    ctx, path, _, _ = _saved(backend)
    for raw, why in ((b"{not json", "is corrupt (its manifest is not JSON"),
                     (b"\xff\xfe", "is corrupt (its manifest is not JSON"),
                     (b"[]", "is not a webnnpy-graph-cache/1 manifest"),
                     (json.dumps({"format": "other/9"}).encode(),
                      "is not a webnnpy-graph-cache/1 manifest (format 'other/9')")):
        path.write_bytes(raw)
        with raises(webnnpy.DataError, "load_graph", why, "delete_graph('k')"):
            ctx.load_graph("k")
    assert ctx.list_graphs() == []  # left out of the list, not an error
    ctx.delete_graph("k")
    with raises(webnnpy.NotFoundError, "'k'"):
        ctx.load_graph("k")


def test_truncated_file(backend: str) -> None:
    ctx, _, _, data = _saved(backend)
    f = _biggest(data)
    blob = f.read_bytes()
    f.write_bytes(blob[: len(blob) // 2])
    with raises(webnnpy.DataError, "load_graph", "truncated", str(f.name)):
        ctx.load_graph("k")
    f.unlink()
    with raises(webnnpy.DataError, "load_graph", "lacks its file"):
        ctx.load_graph("k")


@pytest.mark.parametrize("algorithm", ["xxh3", "crc32"])
def test_flipped_byte_fails_the_checksum(backend: str, algorithm: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if algorithm == "xxh3":
        pytest.importorskip("xxhash")
    else:  # as without the xxhash package
        monkeypatch.setattr(graph_cache, "_xxh3", lambda: None)
    ctx, _, man, data = _saved(backend)
    f = _biggest(data)
    assert algorithm in man["files"][f.name]
    ctx.load_graph("k").destroy()  # intact: loads
    blob = bytearray(f.read_bytes())
    blob[len(blob) // 2] ^= 0x04
    f.write_bytes(bytes(blob))
    with raises(webnnpy.DataError, "load_graph", "corrupt", "checksum"):
        ctx.load_graph("k")


def test_entry_checksummed_with_xxh3_loads_without_xxhash(
        backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An entry saved where xxhash is installed is checked with its CRC-32s
    where it is not."""
    pytest.importorskip("xxhash")
    ctx, _, man, data = _saved(backend)
    assert all("xxh3" in info for info in man["files"].values())
    monkeypatch.setattr(graph_cache, "_xxh3", lambda: None)
    _check(ctx.compute(ctx.load_graph("k"), {"x": _x()}))
    f = _biggest(data)
    blob = bytearray(f.read_bytes())
    blob[-1] ^= 0x80
    f.write_bytes(bytes(blob))
    with raises(webnnpy.DataError, "checksum"):
        ctx.load_graph("k")


def test_garbage_that_passes_the_checksum_is_a_data_error(backend: str) -> None:
    """Files the backend cannot read (here: random bytes, with a manifest
    made to match them) are a DataError, never a crash."""
    ctx, path, man, data = _saved(backend)
    rng = np.random.default_rng(3)
    for name in man["files"]:
        junk = rng.integers(0, 256, 5000, dtype=np.uint8).tobytes()
        (data / name).write_bytes(junk)
        man["files"][name] = {"size": len(junk),
                              "crc32": graph_cache._crcs(data / name, len(junk))}
    path.write_text(json.dumps(man))
    with raises(webnnpy.DataError, "load_graph", f"the {backend} backend could "
                "not load the cache entry"):
        ctx.load_graph("k")


def test_foreign_entries(backend: str) -> None:
    ctx, path, man, _ = _saved(backend)
    # an entry of another key, copied under this key's file name
    ctx.save_graph("other", _dense(ctx))
    _, other_man = _manifest(graph_cache.cache_root(), "other")
    path.write_text(json.dumps(other_man))
    with raises(webnnpy.DataError, "load_graph", "foreign", "'other'"):
        ctx.load_graph("k")
    # made by another runtime version (copied between machines)
    man2 = dict(man, fingerprint=dict(man["fingerprint"], webnnpy="0.0.1"))
    path.write_text(json.dumps(man2))
    with raises(webnnpy.DataError, "load_graph", "foreign", "0.0.1"):
        ctx.load_graph("k")
    # its files live outside the entry directory
    path.write_text(json.dumps(dict(man, data="../x")))
    with raises(webnnpy.DataError, "load_graph", "corrupt"):
        ctx.load_graph("k")
    # a bad descriptor
    bad = dict(man, inputs={"x": {"data_type": "float99", "shape": [2, N]}})
    path.write_text(json.dumps(bad))
    with raises(webnnpy.DataError, "load_graph", "invalid descriptor", "float99"):
        ctx.load_graph("k")


def test_entry_of_another_runtime_version_is_not_found(
        backend: str, monkeypatch: pytest.MonkeyPatch) -> None:
    old = _ctx(backend)
    fp = dict(old._backend.cache_fingerprint() or {})
    monkeypatch.setattr(old._backend, "cache_fingerprint",
                        lambda: {**fp, "format": "older"})
    old.save_graph("k", _dense(old))
    ctx = _ctx(backend)
    assert ctx.list_graphs() == []
    with raises(webnnpy.NotFoundError, "'k'", "exist for other runtimes",
                f"{backend}-", "save it again"):
        ctx.load_graph("k")


# ------------------------------------------------- unwritable cache, races


def test_unwritable_cache_dir(backend: str, tmp_path: Path,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(graph_cache.ENV_VAR, str(blocker))
    ctx = _ctx(backend)
    g = _dense(ctx)
    with raises(webnnpy.OperationError, "save_graph", "cannot write the graph "
                "cache", str(blocker)):
        ctx.save_graph("k", g)
    with pytest.warns(UserWarning, match="going on without the cache"):
        assert graph_cache.try_save(ctx, "k", g) is False
    assert graph_cache.try_load(ctx, "k") is None
    assert ctx.list_graphs() == []


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root writes to read-only directories")
def test_read_only_cache_dir(backend: str, cache_dir: Path) -> None:
    cache_dir.mkdir(parents=True)
    cache_dir.chmod(0o555)
    try:
        ctx = _ctx(backend)
        with raises(webnnpy.OperationError, "save_graph", "cannot write"):
            ctx.save_graph("k", _dense(ctx))
    finally:
        cache_dir.chmod(0o755)


def test_full_disk_leaves_nothing_behind(backend: str, cache_dir: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    ctx = _ctx(backend)
    ctx.save_graph("k", _dense(ctx, seed=1))
    with monkeypatch.context() as m:
        m.setattr(graph_cache, "_write_atomic", full)
        with raises(webnnpy.OperationError, "save_graph", "No space left"):
            ctx.save_graph("k", _dense(ctx, seed=2))
        with pytest.warns(UserWarning, match="No space left"):
            graph_cache.try_save(ctx, "k", _dense(ctx, seed=2))
    # the old entry is intact and no half-written directory remains
    _check(ctx.compute(ctx.load_graph("k"), {"x": _x()}), seed=1)
    assert len(list(_entry_dir(cache_dir).iterdir())) == 2


_WRITER = textwrap.dedent("""
    import sys, numpy as np, webnnpy
    backend, seed, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    ctx = webnnpy.ml.create_context(backend=backend)
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [64, 64]})
    w = np.full((64, 64), seed, np.float32)
    g = b.build({"y": b.add(x, b.constant(w))})
    for i in range(rounds):
        ctx.save_graph("shared", g)
        out = ctx.compute(ctx.load_graph("shared"), {"x": np.zeros((64, 64),
                                                                  np.float32)})
        v = out["y"]
        # whoever wrote last, the graph read back is one writer's, whole
        assert (v == v.flat[0]).all() and v.flat[0] in range(1, 9), v
    print("ok")
""")


def test_concurrent_writers(backend: str, cache_dir: Path) -> None:
    env = dict(os.environ, **{graph_cache.ENV_VAR: str(cache_dir.parent)})
    procs = [subprocess.Popen([sys.executable, "-c", _WRITER, backend, str(s), "4"],
                              env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
             for s in range(1, 5)]
    # and threads of this process, on one context and on their own
    errors: list[BaseException] = []

    def thread_writer(seed: int) -> None:
        try:
            ctx = _ctx(backend)
            b = webnnpy.MLGraphBuilder(ctx)
            x = b.input("x", {"data_type": "float32", "shape": [64, 64]})
            g = b.build({"y": b.add(x, b.constant(np.full((64, 64), seed,
                                                          np.float32)))})
            for _ in range(4):
                ctx.save_graph("shared", g)
                v = ctx.compute(ctx.load_graph("shared"),
                                {"x": np.zeros((64, 64), np.float32)})["y"]
                assert (v == v.flat[0]).all() and v.flat[0] in range(1, 9)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=thread_writer, args=(s,)) for s in (5, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert out.strip() == "ok"
    assert not errors, errors
    ctx = _ctx(backend)
    assert ctx.list_graphs() == ["shared"]
    v = ctx.compute(ctx.load_graph("shared"),
                    {"x": np.zeros((64, 64), np.float32)})["y"]
    assert (v == v.flat[0]).all() and v.flat[0] in range(1, 7)
    # no temporary files left; directories of lost races are only removed
    # once old (a writer may be about to publish them)
    names = [p.name for p in _entry_dir(cache_dir).iterdir()]
    assert not [n for n in names if n.endswith(".tmp")], names
    assert sum(n.endswith(".json") for n in names) == 1


# ------------------------------------------------------------ the store


def test_writers_remove_old_orphans(backend: str, cache_dir: Path) -> None:
    """What crashed or outraced writers left (a data directory no manifest
    names, a temporary directory, a temporary manifest) goes once it is
    older than ORPHAN_AGE_S; younger ones stay (their writer may be about to
    publish)."""
    ctx, path, _, _ = _saved(backend)
    d = path.parent
    stem = path.stem
    old = [d / f"{stem}.deadbeef", d / f".{stem}.cafe.tmp"]
    for o in old:
        o.mkdir()
        (o / "f").write_bytes(b"x")
    old.append(d / f".{stem}.json.0123.tmp")
    old[-1].write_text("{")
    young = d / f"{stem}.young"
    young.mkdir()
    past = graph_cache.time.time() - graph_cache.ORPHAN_AGE_S - 60
    for o in old:
        os.utime(o, (past, past))
    ctx.save_graph("k", _dense(ctx, seed=2))
    assert not [o for o in old if o.exists()]
    assert young.exists()
    _check(ctx.compute(ctx.load_graph("k"), {"x": _x()}), seed=2)


def test_cache_root(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(graph_cache.ENV_VAR, str(tmp_path / "w"))
    assert graph_cache.cache_root() == tmp_path / "w" / "graphs"
    monkeypatch.delenv(graph_cache.ENV_VAR)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert graph_cache.cache_root() == tmp_path / "x" / "webnnpy" / "graphs"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "h"))
    assert graph_cache.cache_root() == tmp_path / "h" / ".cache" / "webnnpy" / "graphs"


def test_cache_key_and_file_digest(tmp_path: Path) -> None:
    import hashlib

    f = tmp_path / "m.onnx"
    f.write_bytes(b"abc" * 1000)
    digest = graph_cache.file_digest(f)
    try:
        import xxhash
    except ImportError:
        assert digest == "sha256:" + hashlib.sha256(b"abc" * 1000).hexdigest()
    else:
        assert digest == "xxh3_128:" + xxhash.xxh3_128_hexdigest(b"abc" * 1000)
    f.write_bytes(b"abc" * 999 + b"abd")
    assert graph_cache.file_digest(f) != digest
    # hashed through a mapping: an empty file (which cannot be mapped) and
    # one larger than a read block give the digest of their bytes too
    rng = np.random.default_rng(0)
    for data in (b"", rng.integers(0, 256, (9 << 20) + 5, np.uint8).tobytes()):
        f.write_bytes(data)
        try:
            import xxhash
        except ImportError:
            want = "sha256:" + hashlib.sha256(data).hexdigest()
        else:
            want = "xxh3_128:" + xxhash.xxh3_128_hexdigest(data)
        assert graph_cache.file_digest(f) == want
    k = graph_cache.cache_key("onnx", "d1", {"b": 1, "a": 2})
    assert k == graph_cache.cache_key("onnx", "d1", {"a": 2, "b": 1})
    assert k != graph_cache.cache_key("onnx", "d1", {"a": 2, "b": 3})
    assert k.startswith("sha256:")
    # arrays count by every byte (their repr abbreviates large ones)
    a = np.arange(5000, dtype=np.int64)
    b = a.copy()
    b[2500] = -1
    assert graph_cache.cache_key(a) == graph_cache.cache_key(a.copy())
    assert graph_cache.cache_key(a) != graph_cache.cache_key(b)
    assert graph_cache.cache_key(a) != graph_cache.cache_key(a.astype(np.int32))
    with pytest.raises(TypeError, match="cannot use a object in a key"):
        graph_cache.cache_key(object())


def test_checksums_cover_every_chunk(tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import zlib

    monkeypatch.setattr(graph_cache, "CHUNK", 1000)
    f = tmp_path / "blob"
    data = np.random.default_rng(0).integers(0, 256, 4500, np.uint8).tobytes()
    f.write_bytes(data)
    assert graph_cache._crcs(f, len(data)) == [
        zlib.crc32(data[i:i + 1000]) for i in range(0, 4500, 1000)]
    assert graph_cache._crcs(f, 0) == []

    def no_mmap(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ENODEV, "mmap not supported")

    monkeypatch.setattr(graph_cache.mmap, "mmap", no_mmap)
    assert graph_cache._crcs(f, len(data)) == [
        zlib.crc32(data[i:i + 1000]) for i in range(0, 4500, 1000)]


# ------------------------------------------ NumPy backend: every operator


def _samples() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for fam in FAMILIES:
        out.update(importlib.import_module(f"samples.{fam}").SAMPLES)
    return out


def test_numpy_ir_round_trips_every_operator() -> None:
    """The NumPy backend stores the IR: every operator's sample (its first
    claimed data type, lowest rank >= 1) saved and loaded in a fresh context
    gives bit-identical outputs."""
    from webnnpy._spec import to_py_name

    ctx, fresh = _ctx("numpy"), _ctx("numpy")
    rng = np.random.default_rng(0)
    checked = 0
    for op, sample in sorted(_samples().items()):
        lim = ctx.op_support_limits()[to_py_name(op)][to_py_name(sample.key)]
        dtype = lim["data_types"][0]
        rank = max(lim["rank_range"]["min"], 1)
        b = webnnpy.MLGraphBuilder(ctx)
        res = sample.fn(b, dtype, rank)
        outs = res if isinstance(res, list) else [res]
        graph = b.build({f"o{i}": o for i, o in enumerate(outs)})
        feeds = {}
        for name, d in graph.inputs.items():
            dt = np.dtype(d.data_type)
            feeds[name] = (rng.uniform(0.5, 2, d.shape).astype(dt) if dt.kind == "f"
                           else rng.integers(0, 2, d.shape, endpoint=True
                                             ).astype(dt))
        expected = ctx.compute(graph, feeds)
        ctx.save_graph(op, graph)
        got = fresh.compute(fresh.load_graph(op), feeds)
        assert got.keys() == expected.keys(), op
        for k in got:
            np.testing.assert_array_equal(got[k], expected[k], err_msg=op)
        checked += 1
    assert checked >= 90


# ------------------------------------------------------------ benchmark


@pytest.mark.skipif("onnxruntime" not in CACHING, reason="needs onnxruntime")
def test_benchmark_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """benchmarks/graph_cache.py on a tiny model, one run of each side."""
    onnx = pytest.importorskip("onnx")
    from benchmarks import graph_cache as bench
    from onnx import TensorProto, helper, numpy_helper

    w = numpy_helper.from_array(np.ones((16, 16), np.float32), "w")
    g = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["y"])], "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16])], [w])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    path = tmp_path / "tiny.onnx"
    onnx.save(m, str(path))
    assert bench.main([str(path), "--runs", "1", "--backend", "onnxruntime"]) == 0
    assert bench.main([str(path), "--runs", "1", "--forms"]) == 0
    out = capsys.readouterr().out
    assert "build() / load_graph()" in out and "external weights file" in out
