"""Every user error of the ``webnnpy`` command is one line on stderr, without
a traceback (issue #11 D7): exit status 2 for bad arguments and files, 1 for
a valid model that cannot be imported.  Each case runs ``webnnpy.cli.main``
in-process (two also as a subprocess) on tiny models made here."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from webnnpy.cli import main  # noqa: E402

VI = helper.make_tensor_value_info


def _save(path: Path, nodes, inputs, outputs, inits=()) -> Path:
    g = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(m.SerializeToString())
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("cli")
    relu = [helper.make_node("Relu", ["x"], ["y"])]
    _save(d / "ok.onnx", relu, [VI("x", TensorProto.FLOAT, [2, 3])],
          [VI("y", TensorProto.FLOAT, [2, 3])])
    _save(d / "free.onnx", relu, [VI("x", TensorProto.FLOAT, ["batch", 3])],
          [VI("y", TensorProto.FLOAT, None)])
    # a model with many nodes after free dims: inspect must not cascade
    chain = [helper.make_node("Relu", [f"t{i}" if i else "images"], [f"t{i + 1}"])
             for i in range(40)]
    _save(d / "free_chain.onnx", chain,
          [VI("images", TensorProto.FLOAT, ["n", 3, "h", "w"])],
          [VI("t40", TensorProto.FLOAT, None)])
    _save(d / "unknown_op.onnx", [helper.make_node("NoSuchOp", ["x"], ["y"])],
          [VI("x", TensorProto.FLOAT, [2, 3])], [VI("y", TensorProto.FLOAT, None)])
    _save(d / "int32.onnx", [helper.make_node("Neg", ["x"], ["y"])],
          [VI("x", TensorProto.INT32, [2])], [VI("y", TensorProto.INT32, None)])
    (d / "garbage.onnx").write_bytes(b"\x00\xffnot a model" * 10)
    ok = (d / "ok.onnx").read_bytes()
    (d / "truncated.onnx").write_bytes(ok[: len(ok) // 2])
    (d / "empty.onnx").write_bytes(b"")
    # an initializer whose external data lies outside the model's folder
    w = numpy_helper.from_array(np.ones(3, np.float32), "w")
    w.data_location = TensorProto.EXTERNAL
    w.ClearField("raw_data")
    entry = w.external_data.add()
    entry.key, entry.value = "location", "../../etc/passwd"
    _save(d / "ext" / "m.onnx", [helper.make_node("Add", ["x", "w"], ["y"])],
          [VI("x", TensorProto.FLOAT, [3])], [VI("y", TensorProto.FLOAT, None)], [w])
    np.save(d / "x.npy", np.ones((2, 3), np.float32))
    np.save(d / "x4.npy", np.ones((4, 3), np.float32))
    np.save(d / "x3.npy", np.ones(3, np.float32))
    np.save(d / "i64.npy", np.array([1, -2], np.int64))
    np.save(d / "big64.npy", np.array([1, 2**40], np.int64))
    np.save(d / "obj.npy", np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    (d / "text.npy").write_text("hello\n")
    (d / "a_file").write_text("")
    (d / "js").mkdir()
    (d / "js" / "notes.txt").write_text("")
    return d


#: (id, argv, exit status, words the one stderr line must hold); "{d}" is
#: the folder of the test files
CASES = [
    ("inspect npy", ["inspect", "{d}/x.npy"], 2,
     ["x.npy", "not an ONNX model", ".npy file"]),
    ("inspect garbage", ["inspect", "{d}/garbage.onnx"], 2,
     ["garbage.onnx", "not an ONNX model"]),
    ("inspect truncated", ["inspect", "{d}/truncated.onnx"], 2,
     ["truncated.onnx", "not an ONNX model"]),
    ("inspect empty", ["inspect", "{d}/empty.onnx"], 2,
     ["empty.onnx", "not an ONNX model"]),
    ("inspect missing", ["inspect", "{d}/nope.onnx"], 2, ["nope.onnx", "no such file"]),
    ("inspect folder", ["inspect", "{d}"], 2, ["is a folder"]),
    ("inspect dims int for input", ["inspect", "{d}/ok.onnx", "--dims", "x=5"], 2,
     ["--dims x=", "input 'x' needs a shape list like [2, 3]", "x=2,3"]),
    ("inspect dims unknown", ["inspect", "{d}/ok.onnx", "--dims", "bach=1"], 2,
     ["'bach' is neither a graph input"]),
    ("inspect external data outside", ["inspect", "{d}/ext/m.onnx"], 2, ["passwd"]),
    ("inspect bad option", ["inspect", "{d}/ok.onnx", "--bogus"], 2,
     ["unrecognized arguments: --bogus"]),
    ("export unknown op", ["export", "{d}/unknown_op.onnx", "--js", "{d}/out1"], 1,
     ["unknown_op.onnx cannot be imported", "NoSuchOp"]),
    ("export no module", ["export", "nosuchmodule:fn", "--js", "{d}/out2"], 2,
     ["nosuchmodule:fn", "cannot import module 'nosuchmodule'"]),
    ("export no file", ["export", "{d}/nope.py:fn", "--js", "{d}/out2"], 2,
     ["no such file", "nope.py"]),
    ("export js is a file", ["export", "{d}/ok.onnx", "--js", "{d}/a_file"], 2,
     ["--js", "a_file", "is a file"]),
    ("export garbage", ["export", "{d}/garbage.onnx", "--js", "{d}/out3"], 2,
     ["not an ONNX model"]),
    ("export free dims", ["export", "{d}/free.onnx", "--js", "{d}/out4"], 2,
     ["input 'x' [batch, 3]: pass --dim x=N,3 or batch=N"]),
    ("export dim abc", ["export", "{d}/free.onnx", "--js", "{d}/out4", "--dim",
                        "batch=abc"], 2, ["--dim 'batch=abc'", "'abc'"]),
    ("export no --js", ["export", "{d}/ok.onnx"], 2, ["--js"]),
    ("run output dir", ["run", "{d}/ok.onnx", "--input", "x={d}/x.npy",
                        "--output-dir", "{d}/a_file/sub"], 2,
     ["--output-dir", "a_file/sub", "cannot create"]),
    ("run output dir is a file", ["run", "{d}/ok.onnx", "--input", "x={d}/x.npy",
                                  "--output-dir", "{d}/a_file"], 2,
     ["--output-dir", "is a file"]),
    ("run text npy", ["run", "{d}/ok.onnx", "--input", "x={d}/text.npy"], 2,
     ["--input x=", "text.npy", "not a NumPy .npy file"]),
    ("run object npy", ["run", "{d}/ok.onnx", "--input", "x={d}/obj.npy"], 2,
     ["obj.npy", "Python objects"]),
    ("run missing npy", ["run", "{d}/ok.onnx", "--input", "x={d}/nope.npy"], 2,
     ["nope.npy", "no such file"]),
    ("run dims abc", ["run", "{d}/ok.onnx", "--dims", "x=abc"], 2,
     ["--dims 'x=abc'", "not an integer"]),
    ("run no input", ["run", "{d}/ok.onnx"], 2, ["missing --input for x (float[2, 3])"]),
    ("run free no input", ["run", "{d}/free.onnx"], 2,
     ["missing --input for x (float[batch, 3])"]),
    ("run unknown input", ["run", "{d}/ok.onnx", "--input", "x={d}/x.npy",
                           "--input", "z={d}/x.npy"], 2,
     ["no run-time input 'z'", "its inputs: 'x'"]),
    ("run input given twice", ["run", "{d}/ok.onnx", "--input", "x={d}/x.npy",
                               "x={d}/x.npy"], 2, ["x=... is given twice"]),
    ("run shape", ["run", "{d}/ok.onnx", "--input", "x={d}/x4.npy"], 2,
     ["shape [4, 3] does not fit input 'x' [2, 3]", "dimension 0 is 4, expected 2"]),
    ("run shape vs dims", ["run", "{d}/free.onnx", "--input", "x={d}/x.npy",
                           "--dims", "batch=3"], 2, ["dimension 0 is 2, expected 3"]),
    ("run int64 for int32", ["run", "{d}/int32.onnx", "--input", "x={d}/i64.npy"], 2,
     ["--input x=", "i64.npy", "input 'x' is int32", "holds int64", "--cast"]),
    ("run cast overflow", ["run", "{d}/int32.onnx", "--input", "x={d}/big64.npy",
                           "--cast"], 2, ["1099511627776", "does not fit", "int32"]),
    ("run no model", ["run", "--input", "x={d}/x.npy"], 2, ["MODEL", "missing"]),
    ("run two models", ["run", "{d}/ok.onnx", "--input", "x={d}/x.npy",
                        "{d}/ok.onnx"], 2, ["--input", "expected NAME=VALUE"]),
    ("run unknown op", ["run", "{d}/unknown_op.onnx", "--input", "x={d}/x.npy",
                        "--backend", "numpy"], 1, ["failed", "NoSuchOp"]),
    ("run external data outside", ["run", "{d}/ext/m.onnx", "--input",
                                   "x={d}/x3.npy"], 2, ["passwd"]),
    ("browser run no module", ["browser", "run", "{d}/js"], 2,
     ["model.js", "webnnpy export"]),
    ("no such command", ["frobnicate"], 2, ["invalid choice: 'frobnicate'"]),
]


def _argv(argv: list[str], d: Path) -> list[str]:
    return [a.replace("{d}", str(d)) for a in argv]


def _one_line(err: str) -> str:
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(("argv", "status", "words"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_user_error_is_one_line(files, capsys, argv, status, words):
    rc = main(_argv(argv, files))
    err = capsys.readouterr().err
    line = _one_line(err)
    assert rc == status, err
    for w in words:
        assert w.replace("{d}", str(files)) in line, (w, line)


@pytest.mark.parametrize("argv", [["inspect", "{d}/garbage.onnx"],
                                  ["export", "nosuchmodule:fn", "--js", "{d}/o"]])
def test_user_error_in_a_subprocess(files, argv):
    code = "import sys; from webnnpy.cli import main; sys.exit(main())"
    r = subprocess.run([sys.executable, "-c", code, *_argv(argv, files)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2, r.stderr
    assert _one_line(r.stderr).startswith(f"webnnpy {argv[0]}: ")
    assert r.stdout == ""


def test_model_after_greedy_option_is_the_model(files, tmp_path, capsys):
    """``run --input a=x.npy MODEL``: MODEL is not taken as an --input."""
    rc = main(["run", "--input", f"x={files}/x.npy", str(files / "ok.onnx"),
               "--backend", "numpy", "--output-dir", str(tmp_path), "--quiet"])
    assert rc == 0, capsys.readouterr().err
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"),
                                  np.ones((2, 3), np.float32))


def test_cast_converts_when_values_fit(files, tmp_path, capsys):
    rc = main(["run", str(files / "int32.onnx"), "--input", f"x={files}/i64.npy",
               "--cast", "--backend", "numpy", "--output-dir", str(tmp_path),
               "--quiet"])
    assert rc == 0, capsys.readouterr().err
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == np.int32
    np.testing.assert_array_equal(y, np.array([-1, 2], np.int32))


def test_const_and_constant_are_both_accepted(files, tmp_path, capsys):
    for flag in ("--constant", "--const"):
        assert main(["inspect", str(files / "ok.onnx"), flag,
                     f"x={files}/x.npy"]) == 0
        out = capsys.readouterr().out
        assert "the model can be loaded" in out, out
    assert "--const " not in main.__globals__["__doc__"]  # one spelling documented


def test_inspect_free_dims_checks_every_node_at_probe_values(files, capsys):
    """No "fed by" cascade and no problem: the nodes are checked at probe
    values and shapes print by the free dimensions' names."""
    rc = main(["inspect", str(files / "free_chain.onnx")])
    out = capsys.readouterr().out
    assert rc == 0, out
    assert "not produced by any node" not in out and "fed by" not in out
    assert not [line for line in out.splitlines() if line.startswith("problem:")]
    assert "images: float[n, 3, h, w]" in out and "t40: float[n, 3, h, w]" in out
    assert "nodes checked at n=2, h=32, w=64" in out
    assert "40 of 40 nodes map" in out
    # with the dims given, every node is checked at them
    rc = main(["inspect", str(files / "free_chain.onnx"), "--dims", "n=1", "h=4",
               "w=4", "--summary"])
    out = capsys.readouterr().out
    assert rc == 0 and "40 of 40 nodes map" in out and "free dimensions" not in out


def test_failed_import_prints_its_error_once(files, capsys):
    rc = main(["run", str(files / "unknown_op.onnx"), "--input",
               f"x={files}/x.npy", "--backend", "numpy"])
    err = capsys.readouterr().err
    assert rc == 1 and err.count("WebNN has no operator") == 1, err


def test_run_fixes_a_negative_dim_value_from_the_array(files, tmp_path, capsys):
    path = _save(tmp_path / "neg.onnx", [helper.make_node("Relu", ["x"], ["y"])],
                 [VI("x", TensorProto.FLOAT, [-1, 3])],
                 [VI("y", TensorProto.FLOAT, None)])
    rc = main(["run", str(path), "--input", f"x={files}/x4.npy", "--backend",
               "numpy", "--output-dir", str(tmp_path), "--quiet"])
    assert rc == 0, capsys.readouterr().err
    assert np.load(tmp_path / "y.npy").shape == (4, 3)
