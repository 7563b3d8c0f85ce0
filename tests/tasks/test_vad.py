"""webnnpy.tasks.vad and ``webnnpy demo vad`` (the comparison with ONNX
Runtime is in tests/models/test_real_models.py)."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from webnnpy.tasks import vad


@pytest.fixture(scope="module")
def model() -> None:
    pytest.importorskip("onnx")
    from webnnpy.models import zoo

    try:
        zoo.find_model("silero-vad")
    except zoo.ModelNotInstalledError as e:
        pytest.skip(str(e))


def _write_wav(path: Path, audio: np.ndarray, rate: int, channels: int) -> None:
    pcm = np.clip(audio * 32767, -32768, 32767).astype(np.int16)
    pcm = np.repeat(pcm[:, None], channels, axis=1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


def test_read_wav_resamples_and_mixes(tmp_path: Path):
    from webnnpy.tasks.cli import read_wav

    t = np.arange(8000) / 8000
    tone = 0.5 * np.sin(2 * np.pi * 200 * t)
    _write_wav(tmp_path / "a.wav", tone, 8000, 2)
    a = read_wav(tmp_path / "a.wav")
    assert a.dtype == np.float32 and len(a) == 16000
    want = 0.5 * np.sin(2 * np.pi * 200 * np.arange(16000) / 16000)
    assert np.abs(a[:-2] - want[:-2]).max() < 0.01


def test_speech_segments_of_int16_audio(model: None):
    audio = vad.synthetic_speech([("silence", 0.5), ("voice", 1.0),
                                  ("silence", 0.6)], seed=3)
    pcm = (audio * 32767).astype(np.int16)
    segs = vad.speech_segments(pcm)
    assert len(segs) == 1
    a, b = segs[0]
    assert abs(a - 0.5) < 0.1 and 1.5 <= b < 1.8
    assert vad.speech_segments(audio) == segs
    with pytest.raises(TypeError, match="one channel"):
        vad.speech_segments(np.zeros((2, 100), np.float32))


def test_synthetic_speech_parts():
    a = vad.synthetic_speech([("voice", 0.5), ("silence", 0.25), ("tone", 0.25)])
    assert a.dtype == np.float32 and len(a) == 16000 and np.abs(a).max() <= 0.31
    with pytest.raises(ValueError, match="unknown part"):
        vad.synthetic_speech([("music", 1.0)])


def test_demo_vad(model: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from webnnpy.tasks.cli import demo_main

    assert demo_main(["vad"]) == 0
    out = capsys.readouterr().out
    assert "speech segments:" in out and out.count(" s - ") == 2
    audio = vad.synthetic_speech([("silence", 0.4), ("voice", 0.8),
                                  ("silence", 0.4)])
    _write_wav(tmp_path / "s.wav", audio, 16000, 1)
    assert demo_main(["vad", str(tmp_path / "s.wav"), "--backend", "numpy"]) == 0
    out = capsys.readouterr().out
    assert "backend: numpy" in out and out.count(" s - ") == 1
    assert demo_main(["vad", str(tmp_path / "missing.wav")]) == 2
