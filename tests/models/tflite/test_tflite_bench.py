"""Smoke test of ``python -m benchmarks.tflite`` (one round, one model)."""

from __future__ import annotations

import pytest
from tflite_testlib import CI


def test_benchmark_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks import tflite as bench

    from webnnpy.models.tflite import mediapipe as mp
    try:
        mp.find("hand_recrop")
    except mp.ModelNotInstalledError as e:
        if CI:
            raise
        pytest.skip(str(e))
    assert bench.main(["--rounds", "2", "--models",
                       "hand_recrop,face_landmark_with_attention"]) == 0
    out = capsys.readouterr().out
    assert "| hand_recrop |" in out
    assert "| face_landmark_with_attention |" in out
    assert "LiteRT cannot run it (MediaPipe custom ops)" in out
    with pytest.raises(SystemExit):
        bench.main(["--models", "nope"])
