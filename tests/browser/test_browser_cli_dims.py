"""The browser tools' ``--dim`` flag: parsed by the ONNX importer's dims parser,
and a malformed value is a one-line usage error (exit 2) before any browser
starts (it used to import a helper that no longer exists: ImportError)."""

from __future__ import annotations

import pytest
from crosscheck import latency as models
from crosscheck import ops as crosscheck


@pytest.mark.parametrize("main", [crosscheck.main, models.main],
                         ids=["crosscheck", "models"])
def test_bad_dim_is_a_usage_error(main, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--latency", "--dim", "batch=abc"]
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert "--dim" in err[-1] and "batch=abc" in err[-1], err
    assert "Traceback" not in "\n".join(err)


def test_crosscheck_dims_parse_shapes_and_free_dims() -> None:
    import argparse

    p = argparse.ArgumentParser()
    got = crosscheck._parse_dims(p, ["batch=2", "x=1,3,8,8"])
    assert got == {"batch": 2, "x": [1, 3, 8, 8]}
