"""``webnnpy inspect|run|bench|export`` on .tflite files (dispatched by the
suffix from ``webnnpy.cli`` to ``webnnpy.models.tflite.cli``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from tflite_writer import ModelWriter

from webnnpy.cli import main


def _model(tmp_path: Path, code: str = "RELU") -> Path:
    w = ModelWriter()
    x = w.input([2, 3], name="x")
    y = w.tensor([2, 3], name="y")
    w.op(code, [x], [y])
    w.output(y)
    p = tmp_path / f"{code.replace(':', '_')}.tflite"
    p.write_bytes(w.build())
    return p


def test_inspect(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", str(_model(tmp_path))]) == 0
    out = capsys.readouterr().out
    assert "imports" in out and "#0 RELU(x: FLOAT32[2x3]) -> y: FLOAT32[2x3]" in out
    assert main(["inspect", "--summary", str(_model(tmp_path, "CUSTOM:Foo"))]) == 1
    assert "UNSUPPORTED: custom operator 'Foo'" in capsys.readouterr().out


def test_bad_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"not a model at all")
    assert main(["inspect", str(bad)]) == 2
    assert "is not a TFLite model" in capsys.readouterr().err
    assert main(["run", str(tmp_path / "none.tflite")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    x = np.array([[-1, 2, -3], [4, -5, 6]], np.float32)
    np.save(tmp_path / "x.npy", x)
    m = _model(tmp_path)
    assert main(["run", str(m), "--input", f"x={tmp_path / 'x.npy'}",
                 "--output-dir", str(tmp_path / "out"), "--backend", "numpy"]) == 0
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "y.npy"),
                                  np.maximum(x, 0))
    assert main(["run", str(m)]) == 2
    assert "missing --input for x (float32[2, 3])" in capsys.readouterr().err
    assert main(["run", str(_model(tmp_path, "CUSTOM:Foo")), "--input",
                 f"x={tmp_path / 'x.npy'}"]) == 1


def test_bench(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", str(_model(tmp_path)), "--rounds", "2",
                 "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "webnnpy-numpy" in out and "litert" in out
    assert "max |diff| vs LiteRT 0.00e+00" in out


def test_export(tmp_path: Path) -> None:
    assert main(["export", str(_model(tmp_path)), "--js", str(tmp_path / "js")]) == 0
    assert "relu" in (tmp_path / "js" / "model.js").read_text()


def test_import_webnnpy_does_not_import_tflite() -> None:
    import subprocess
    import sys

    code = ("import sys, webnnpy, webnnpy.cli; "
            "bad = [m for m in ('tflite', 'flatbuffers', 'ai_edge_litert', "
            "'webnnpy.models.tflite') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
