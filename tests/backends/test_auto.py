"""The ``auto`` backend: each graph on ONNX Runtime or OpenVINO, whichever
runs it faster (src/webnnpy/backends/auto).  Expected values come from NumPy
formulas and Python integers written here, never from the backend under test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("openvino")

import webnnpy
import webnnpy.backends as reg
import webnnpy.backends.auto.backend as ab
from webnnpy.backends.auto import choice_of, graph_digest, graph_digests, graph_work
from webnnpy.backends.errors import CompileError
from webnnpy.errors import OperationError


@pytest.fixture(autouse=True)
def _own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test remembers its choices in a folder of its own."""
    monkeypatch.setenv("WEBNNPY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv(ab.TRIAL_ENV, raising=False)


@pytest.fixture
def ctx() -> Any:
    c = webnnpy.ml.create_context(backend="auto")
    yield c
    c.destroy()


def _chain(ctx: Any, shape: list[int], n: int = 4) -> Any:
    """y = relu(...relu(x + 1)...): n ops."""
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": shape})
    one = b.constant({"data_type": "float32", "shape": [1]}, np.ones(1, np.float32))
    y = x
    for i in range(n):
        y = b.add(y, one) if i % 2 == 0 else b.relu(y)
    return b.build({"y": y})


def _chain_ref(x: np.ndarray, n: int = 4) -> np.ndarray:
    y = x.astype(np.float64)
    for i in range(n):
        y = y + 1 if i % 2 == 0 else np.maximum(y, 0)
    return y


def _fake_times(ort_s: float, ov_s: float) -> Any:
    def measure(self: Any, graph: Any, impls: Any) -> dict[str, float]:
        assert set(impls) == {"onnxruntime", "openvino"}  # compiled on both
        return {"onnxruntime": ort_s, "openvino": ov_s}
    return measure


# ---------------------------------------------------------------- selection


def test_default_context_is_auto_where_both_runtimes_are_installed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(reg.ENV_VAR, raising=False)
    name, why = reg.default_backend_choice()
    assert name == "auto" and "measured once per graph" in why
    ctx = webnnpy.ml.create_context()
    assert ctx.backend == "auto"
    assert "whichever runs it faster" in ctx.backend_description
    ctx.destroy()
    monkeypatch.setattr(reg, "available_backends", lambda: {
        "numpy": True, "onnxruntime": True, "openvino": False})
    assert reg.default_backend_choice()[0] == "onnxruntime"
    assert reg.composite_available() == {"auto": False}
    with pytest.raises(ImportError, match="needs openvino"):
        reg.backend_class("auto")
    monkeypatch.setenv(reg.ENV_VAR, "onnxruntime")
    assert reg.default_backend_choice() == ("onnxruntime", "$WEBNNPY_BACKEND is set")


def test_explicit_backends_still_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(reg.ENV_VAR, "openvino")
    c = webnnpy.ml.create_context()
    assert c.backend == "openvino"
    c.destroy()
    c = webnnpy.ml.create_context(backend="onnxruntime")
    assert c.backend == "onnxruntime"
    c.destroy()


def test_limits_are_onnxruntimes_and_contain_openvinos(ctx: Any) -> None:
    """The union of both runtimes' limits is ONNX Runtime's (OpenVINO's are a
    subset), and every graph within them runs: ONNX Runtime is the
    fallback."""
    from webnnpy.backends.onnxruntime.runtime import ort_support_limits
    from webnnpy.backends.openvino.runtime import ov_support_limits

    ort_l, ov_l = ort_support_limits(), ov_support_limits()
    for key in ("input", "constant", "output"):
        assert getattr(ov_l, key)[0] <= getattr(ort_l, key)[0]
    for op, lim in ov_l.ops.items():
        for k, (types, lo, hi) in lim.items():
            o_types, o_lo, o_hi = ort_l.ops[op][k]
            assert types <= o_types, (op, k, types - o_types)
            assert o_lo <= lo and hi <= o_hi
    want = webnnpy.ml.create_context(backend="onnxruntime").op_support_limits()
    assert ctx.op_support_limits() == want


# ------------------------------------------------------ loading OpenVINO


def test_openvino_is_imported_without_its_conversion_tool() -> None:
    """The OpenVINO backend imports openvino without ``openvino.tools.ovc``
    (argparse, telemetry, urllib: ~0.1 s of a warm-cache first run), and
    ``openvino.convert_model`` still works, imported on first use."""
    code = """if True:
        import sys
        import webnnpy.backends.openvino as wov
        import openvino
        assert "openvino.tools.ovc" not in sys.modules, "ovc imported"
        assert wov.import_openvino() is openvino
        assert isinstance(openvino.Core(), openvino.Core)
        sys.modules["openvino.tools.ovc"] = None  # as if not installed
        assert not hasattr(openvino, "convert_model")
        del sys.modules["openvino.tools.ovc"]
        from openvino import convert_model
        from openvino.tools.ovc import convert_model as direct
        assert convert_model is direct is openvino.convert_model
        try:
            openvino.no_such_name
        except AttributeError as e:
            assert "no_such_name" in str(e)
        else:
            raise AssertionError("no AttributeError")
        print("ok")
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_an_openvino_imported_first_is_left_as_it_is() -> None:
    """Where the application imported openvino itself (conversion tool
    included), the backend uses that module unchanged."""
    code = """if True:
        import sys
        import openvino
        had = "openvino.tools.ovc" in sys.modules
        import webnnpy.backends.openvino as wov
        assert wov.import_openvino() is openvino
        assert "__getattr__" not in vars(openvino)
        assert ("openvino.tools.ovc" in sys.modules) == had
        print("ok")
    """
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


# ------------------------------------------------------------------- rules


def test_small_graph_goes_to_onnxruntime_without_openvino(ctx: Any) -> None:
    g = _chain(ctx, [2, 3])
    runtime, why = choice_of(g)
    assert runtime == "onnxruntime" and why.startswith("rule: small graph")
    assert ctx._backend._ov is None  # OpenVINO never loaded for it
    x = np.array([[-3, -1.5, 0], [0.25, 2, 7]], np.float32)
    np.testing.assert_allclose(ctx.compute(g, {"x": x})["y"], _chain_ref(x),
                               rtol=1e-6)
    assert "1 on onnxruntime, 0 on openvino" in ctx.backend_description


def test_graph_work_counts_multiply_adds(ctx: Any) -> None:
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [1, 3, 8, 8]})
    w = b.constant({"data_type": "float32", "shape": [4, 3, 3, 3]},
                   np.zeros((4, 3, 3, 3), np.float32))
    y = b.conv2d(x, w)  # [1, 4, 6, 6], 27 multiply-adds each
    a = b.input("a", {"data_type": "float32", "shape": [5, 6]})
    m = b.matmul(a, b.constant({"data_type": "float32", "shape": [6, 2]},
                               np.zeros((6, 2), np.float32)))  # [5, 2], K = 6
    g = b.build({"y": y, "m": m})
    assert graph_work(g._ir) == 4 * 6 * 6 * 27 + 5 * 2 * 6


def test_graph_digest_follows_content(ctx: Any) -> None:
    def build(c: float) -> Any:
        b = webnnpy.MLGraphBuilder(ctx)
        x = b.input("x", {"data_type": "float32", "shape": [2]})
        k = b.constant({"data_type": "float32", "shape": [2]},
                       np.array([c, 2], np.float32))
        return b.build({"y": b.mul(x, k)})._ir

    assert graph_digest(build(1.0)) == graph_digest(build(1.0))
    assert graph_digest(build(1.0)) != graph_digest(build(1.5))
    # the structure digest leaves shapes out, not the weights of 1 KiB and more
    a, b = _chain(ctx, [2, 3])._ir, _chain(ctx, [4, 3])._ir
    assert graph_digests(a)[0] != graph_digests(b)[0]
    assert graph_digests(a)[1] == graph_digests(b)[1]

    def weighted(c: float) -> Any:
        b = webnnpy.MLGraphBuilder(ctx)
        x = b.input("x", {"data_type": "float32", "shape": [2, 300]})
        k = b.constant({"data_type": "float32", "shape": [300]},
                       np.full(300, c, np.float32))
        return b.build({"y": b.mul(x, k)})._ir

    assert graph_digests(weighted(1.0))[1] != graph_digests(weighted(2.0))[1]


def test_no_trials_rule_softmax_to_openvino(ctx: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ab.TRIAL_ENV, "0")
    monkeypatch.setattr(ab, "SMALL_WORK", 0)
    monkeypatch.setattr(ab.AutoBackend, "_measure", None)  # must not be called
    b = webnnpy.MLGraphBuilder(ctx)
    x = b.input("x", {"data_type": "float32", "shape": [2, 3]})
    g = b.build({"y": b.softmax(x, 1)})
    assert choice_of(g)[0] == "openvino" and "softmax" in choice_of(g)[1]
    xv = np.array([[1, 2, 3], [0, 0, -50]], np.float32)
    e = np.exp(xv.astype(np.float64) - xv.max(1, keepdims=True))
    np.testing.assert_allclose(ctx.compute(g, {"x": xv})["y"],
                               e / e.sum(1, keepdims=True), rtol=1e-5, atol=1e-7)
    assert choice_of(_chain(ctx, [2, 3]))[0] == "onnxruntime"


# ------------------------------------------------- measured and remembered


def test_measured_choice_is_kept_and_remembered(ctx: Any,
                                                monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    monkeypatch.setattr(ab, "SMALL_WORK", 0)
    monkeypatch.setattr(ab.AutoBackend, "_measure", _fake_times(2e-3, 1e-3))
    released: list[str] = []
    for name in ("onnxruntime", "openvino"):
        be = ctx._backend.runtime(name)
        orig = be.release_graph
        monkeypatch.setattr(be, "release_graph",
                            lambda c, n=name, o=orig: (released.append(n), o(c)))
    g = _chain(ctx, [3, 4])
    runtime, why = choice_of(g)
    assert runtime == "openvino" and why.startswith("measured: openvino 1 ms")
    assert released == ["onnxruntime"]  # the slower one is released
    files = list((Path(os.environ["WEBNNPY_CACHE_DIR"]) / "auto-choices").glob("*/*.json"))
    assert len(files) == 2  # for the graph, and for its structure
    assert all(json.loads(f.read_text())["runtime"] == "openvino" for f in files)
    # MLTensors bound to the OpenVINO graph: the same host memory, no copy
    x = (np.arange(12, dtype=np.float32).reshape(3, 4) - 6) / 4
    xt = ctx.create_tensor({"data_type": "float32", "shape": [3, 4], "writable": True})
    yt = ctx.create_tensor({"data_type": "float32", "shape": [3, 4], "readable": True})
    ctx.write_tensor(xt, x)
    for _ in range(2):
        ctx.dispatch(g, {"x": xt}, {"y": yt})
    np.testing.assert_allclose(ctx.read_tensor(yt), _chain_ref(x), rtol=1e-6)
    # the same graph again: remembered, no trial (_measure would fail now)
    monkeypatch.setattr(ab.AutoBackend, "_measure", None)
    g2 = _chain(ctx, [3, 4])
    assert choice_of(g2) == ("openvino", f"remembered: {why}")
    # the same model at another shape: its structure's choice, no trial
    g3 = _chain(ctx, [5, 2])
    assert choice_of(g3)[0] == "openvino"
    assert choice_of(g3)[1].startswith("remembered for this model at other shapes")
    x3 = np.linspace(-2, 2, 10, dtype=np.float32).reshape(5, 2)
    np.testing.assert_allclose(ctx.compute(g3, {"x": x3})["y"], _chain_ref(x3),
                               rtol=1e-6)
    # a corrupt memo is ignored: measured again
    for f in files:
        f.write_text("{not json")
    monkeypatch.setattr(ab.AutoBackend, "_measure", _fake_times(1e-3, 2e-3))
    assert choice_of(_chain(ctx, [3, 4]))[0] == "onnxruntime"
    assert "openvino" in ctx.backend_description


def test_real_trial_runs_both_and_computes_right(ctx: Any,
                                                 monkeypatch: pytest.MonkeyPatch
                                                 ) -> None:
    monkeypatch.setattr(ab, "SMALL_WORK", 0)
    monkeypatch.setattr(ab, "TRIAL_BUDGET_S", 0.0)
    g = _chain(ctx, [4, 5], n=6)
    runtime, why = choice_of(g)
    assert runtime in ("onnxruntime", "openvino") and why.startswith("measured")
    x = np.linspace(-3, 3, 20, dtype=np.float32).reshape(4, 5)
    np.testing.assert_allclose(ctx.compute(g, {"x": x})["y"], _chain_ref(x, 6),
                               rtol=1e-6)


def test_int64_tensors_shared_with_openvino(ctx: Any,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """int64 MLTensors are OpenVINO's (low, high) word pairs over the same
    memory: values beyond int32 survive a graph chosen for OpenVINO."""
    monkeypatch.setattr(ab, "SMALL_WORK", 0)
    monkeypatch.setattr(ab.AutoBackend, "_measure", _fake_times(2e-3, 1e-3))
    b = webnnpy.MLGraphBuilder(ctx)
    a = b.input("a", {"data_type": "int64", "shape": [3]})
    k = b.constant({"data_type": "int64", "shape": [3]},
                   np.array([1, -1, 2**40], np.int64))
    g = b.build({"s": b.add(a, k)})
    assert choice_of(g)[0] == "openvino"
    av = [2**40 + 1, -(2**62), 2**32 - 1]
    got = ctx.compute(g, {"a": np.array(av, np.int64)})["s"]
    assert got.tolist() == [av[0] + 1, av[1] - 1, av[2] + 2**40]


# ----------------------------------------------------------------- fallback


def test_fallback_when_openvino_rejects_the_graph(ctx: Any,
                                                  monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    """OpenVINO leaves int64 out of div: the graph runs on ONNX Runtime, and
    the choice says why (whatever the measurement would have said)."""
    monkeypatch.setattr(ab, "SMALL_WORK", 0)
    monkeypatch.setattr(ab.AutoBackend, "_measure", _fake_times(2e-3, 1e-3))
    b = webnnpy.MLGraphBuilder(ctx)
    a = b.input("a", {"data_type": "int64", "shape": [2]})
    d = b.constant({"data_type": "int64", "shape": [2]}, np.array([3, 7], np.int64))
    g = b.build({"q": b.div(a, d)})
    runtime, why = choice_of(g)
    assert runtime == "onnxruntime" and why.startswith("fallback: openvino rejected")
    got = ctx.compute(g, {"a": np.array([2**40 + 7, 100], np.int64)})["q"]
    assert got.tolist() == [(2**40 + 7) // 3, 100 // 7]


def test_fallback_when_onnxruntime_rejects_and_both_fail(
        ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ort_be = ctx._backend.runtime("onnxruntime")

    def reject(graph: Any) -> Any:
        raise CompileError("onnxruntime: creating the session failed: test")

    monkeypatch.setattr(ort_be, "compile", reject)
    g = _chain(ctx, [2, 2])  # small: ONNX Runtime by rule, then OpenVINO
    runtime, why = choice_of(g)
    assert runtime == "openvino" and "onnxruntime rejected it" in why
    x = np.array([[-2, -0.5], [0.5, 3]], np.float32)
    np.testing.assert_allclose(ctx.compute(g, {"x": x})["y"], _chain_ref(x))
    ov_be = ctx._backend.runtime("openvino")
    monkeypatch.setattr(ov_be, "compile", reject)
    with pytest.raises(OperationError, match="openvino rejected it too"):
        _chain(ctx, [2, 2])


# -------------------------------------------------------------- graph cache


def test_save_and_load_graph_keep_the_runtime(ctx: Any,
                                              monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    monkeypatch.setattr(ab, "SMALL_WORK", 0)
    monkeypatch.setattr(ab.AutoBackend, "_measure", _fake_times(2e-3, 1e-3))
    g = _chain(ctx, [2, 3])
    assert choice_of(g)[0] == "openvino"
    ctx.save_graph("chain", g)
    assert "chain" in ctx.list_graphs()
    other = webnnpy.ml.create_context(backend="auto")
    loaded = other.load_graph("chain")
    assert choice_of(loaded)[0] == "openvino"
    x = np.array([[-9, 0, 1], [2, -0.5, 4]], np.float32)
    np.testing.assert_allclose(other.compute(loaded, {"x": x})["y"], _chain_ref(x))
    # an ONNX Runtime context keeps its own entries apart
    ort_ctx = webnnpy.ml.create_context(backend="onnxruntime")
    assert "chain" not in ort_ctx.list_graphs()
    for c in (other, ort_ctx):
        c.destroy()


def _saved_chain(ctx: Any, monkeypatch: pytest.MonkeyPatch, runtime: str) -> None:
    """The [2, 3] chain built on ``runtime`` (a faked trial) and saved as
    "chain"."""
    monkeypatch.setattr(ab, "SMALL_WORK", 0)
    fast = (2e-3, 1e-3) if runtime == "openvino" else (1e-3, 2e-3)
    monkeypatch.setattr(ab.AutoBackend, "_measure", _fake_times(*fast))
    g = _chain(ctx, [2, 3])
    assert choice_of(g)[0] == runtime
    ctx.save_graph("chain", g)


def test_loading_an_onnxruntime_entry_never_loads_openvino(
        ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _saved_chain(ctx, monkeypatch, "onnxruntime")
    other = webnnpy.ml.create_context(backend="auto")
    assert other.list_graphs() == ["chain"]
    loaded = other.load_graph("chain")
    assert choice_of(loaded)[0] == "onnxruntime"
    assert other._backend._ov is None  # the entry was found without OpenVINO
    x = np.array([[-9, 0, 1], [2, -0.5, 4]], np.float32)
    np.testing.assert_allclose(other.compute(loaded, {"x": x})["y"], _chain_ref(x))
    other.destroy()


def test_an_entry_of_another_openvino_build_or_device_is_never_loaded(
        ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store's fingerprint names OpenVINO by its distribution's version;
    the entry's own record of OpenVINO's full fingerprint (build, device)
    is checked before the blob is imported."""
    from webnnpy.api import graph_cache
    from webnnpy.backends.openvino.runtime import OpenVinoBackend

    _saved_chain(ctx, monkeypatch, "openvino")
    real = OpenVinoBackend.cache_fingerprint
    imported: list[Path] = []
    monkeypatch.setattr(OpenVinoBackend, "import_compiled",
                        lambda self, d, m: imported.append(d))
    for change in ({"openvino": "2099.1.0-1-other-build"}, {"device": "GPU.0"}):
        monkeypatch.setattr(OpenVinoBackend, "cache_fingerprint",
                            lambda self, c=change: {**real(self), **c})
        other = webnnpy.ml.create_context(backend="auto")
        key, value = next(iter(change.items()))
        with pytest.raises(webnnpy.DataError, match=f"{key}.*{value}"):
            other.load_graph("chain")
        with pytest.warns(UserWarning, match="could not load"):
            assert graph_cache.try_load(other, "chain") is None
        other.destroy()
    assert imported == []  # rejected before OpenVINO read the blob


def test_another_openvino_version_has_other_entries(
        ctx: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _saved_chain(ctx, monkeypatch, "openvino")
    real = ab.installed_version
    monkeypatch.setattr(ab, "installed_version",
                        lambda p: "2099.1.0" if p == "openvino" else real(p))
    other = webnnpy.ml.create_context(backend="auto")
    assert other.list_graphs() == []
    with pytest.raises(webnnpy.NotFoundError, match="chain"):
        other.load_graph("chain")
    other.destroy()


def test_unwritable_choice_store_warns_and_measures_again(
        ctx: Any, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    def full(path: Path, data: bytes) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ab, "write_atomic", full)
    monkeypatch.setattr(ab, "SMALL_WORK", 0)
    monkeypatch.setattr(ab.AutoBackend, "_measure", _fake_times(2e-3, 1e-3))
    with caplog.at_level("WARNING", logger="webnnpy"):
        g = _chain(ctx, [2, 3])
    assert choice_of(g)[0] == "openvino"
    assert "could not remember the choice" in caplog.text
    assert choice_of(_chain(ctx, [2, 3]))[1].startswith("measured")  # not remembered


def test_info_reports_auto_and_its_choices(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from webnnpy.cli import main

    monkeypatch.delenv(reg.ENV_VAR, raising=False)

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "  auto         available - auto: each graph on ONNX Runtime" in out
    assert "choices remembered: 0 graphs in" in out
    assert "default context (accelerated=True): auto" in out
