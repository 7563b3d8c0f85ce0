"""The WPT bridge (conformance/), run on test files of our own.

WPT itself is not in the repository; these files use the same surface (a
``// META: script=`` line, promise_test, result callbacks) with a small
harness of ours in place of WPT's testharness.js.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from conformance.server import camel, snake  # noqa: E402
from conformance.wpt import collect, explain, main, run_file  # noqa: E402

HERE = Path(__file__).parent
NODE = shutil.which("node")
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


@pytest.fixture
def wpt_tree(tmp_path: Path) -> Path:
    (tmp_path / "resources").mkdir()
    shutil.copy(HERE / "harness_stub.js", tmp_path / "resources" / "testharness.js")
    suite = tmp_path / "webnn" / "conformance_tests"
    suite.mkdir(parents=True)
    for name in ("bridge_cases.https.any.js", "helper.js"):
        shutil.copy(HERE / name, suite / name)
    return tmp_path


@pytest.mark.parametrize(("js", "py"), [
    ("gatherND", "gather_nd"), ("isNaN", "is_nan"), ("l2Pool2d", "l2_pool2d"),
    ("convTranspose2d", "conv_transpose2d"), ("reduceLogSumExp", "reduce_log_sum_exp"),
    ("dataType", "data_type"), ("maxTensorByteLength", "max_tensor_byte_length"),
    ("recurrentWeight", "recurrent_weight"), ("opSupportLimits", "op_support_limits"),
])
def test_names_round_trip(js: str, py: str) -> None:
    assert snake(js) == py
    assert camel(py) == js


def test_collect_refuses_a_directory_that_is_not_wpt(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="not a WPT checkout"):
        collect(tmp_path, ["conformance_tests"], "*")


@needs_node
@pytest.mark.parametrize("backend", ["numpy", "onnxruntime"])
def test_bridge_runs_a_test_file(wpt_tree: Path, backend: str) -> None:
    if backend == "onnxruntime":
        pytest.importorskip("onnxruntime")
    path = wpt_tree / "webnn" / "conformance_tests" / "bridge_cases.https.any.js"
    run = run_file(str(path), backend, timeout=120, node=NODE or "node")
    got = {r["name"]: (r["status"], r["message"]) for r in run["results"]}
    failing = "a failing assertion is reported"
    assert got.pop(failing)[0] == "FAIL"
    assert got == {
        "build, dispatch and read back; a second build rejects": ("PASS", None),
        "validation errors are TypeErrors naming the label": ("PASS", None),
        "opSupportLimits uses the spec names": ("PASS", None),
        "float16 as Uint16Array bits and int64 as BigInt64Array": ("PASS", None),
    }
    assert not run["timed_out"] and not run["crashes"]
    # WebIDL ignores the unknown createContext member; the bridge reports it
    assert "createContext options: deviceType" in run["dropped"]


@needs_node
def test_command_line_writes_the_report(wpt_tree: Path, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "report.md"
    rc = main(["--wpt-dir", str(wpt_tree), "--backend", "numpy", "--jobs", "1",
               "--table", str(table)])
    assert rc == 0
    assert "4/5 WPT tests pass (80.00%); 0 of the others are explained" \
        in capsys.readouterr().out
    text = table.read_text()
    assert "| conformance_tests | 5 | 4 | 0 | 1 | 80.00% | 80.00% |" in text
    unexplained = text.split("## Unexplained failures")[1].split("## Explained")[0]
    assert "a failing assertion is reported" in unexplained


def test_known_differences_are_explained() -> None:
    assert "outputShapeRounding" in (explain(
        "/w/webnn/conformance_tests/pooling.https.any.js",
        "maxPool2d float32 4D tensor options.roundingType=ceil", "") or "")
    assert explain("/w/webnn/conformance_tests/relu.https.any.js",
                   "relu float32 1D tensor", "expected 1 got 2") is None


def test_a_declared_unsupported_type_is_explained_only_where_declared(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance import wpt

    msg = ('promise_test: Unhandled rejection with value: object "TypeError: '
           "Unsupported data type, input 'input' data type int64 must be one of "
           '[float32,int32]."')
    # ONNX Runtime and the reference declare every spec type: still unexplained
    assert wpt.backend_excluded_types("onnxruntime") == frozenset()
    assert explain("/w/cast.https.any.js", "cast int64", msg, "onnxruntime") is None
    assert explain("/w/cast.https.any.js", "cast int64", msg) is None
    # a backend whose limits leave int64 out: explained, naming it
    monkeypatch.setattr(wpt, "backend_excluded_types",
                        lambda b: frozenset({"int64"}) if b == "fake" else frozenset())
    assert "fake" in (explain("/w/cast.https.any.js", "cast int64", msg, "fake") or "")
    # ...but not for a type it declares
    assert explain("/w/cast.https.any.js", "cast",
                   msg.replace("int64 must", "uint8 must"), "fake") is None
