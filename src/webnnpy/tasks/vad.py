"""Speech segments in 16 kHz audio with Silero VAD, through a WebNN graph.

    >>> from webnnpy.tasks import vad
    >>> vad.speech_segments(audio_16k)        # float samples in [-1, 1]
    [(0.67, 1.95), (2.72, 3.65)]

The model is ``silero_vad.onnx`` from ``silero-vad``
(``pip install --no-deps silero-vad==6.2.3``; see :mod:`webnnpy.models.zoo`):
one call takes the last 64 samples of the previous chunk followed by 512 new
ones (``input`` [1, 576]), the LSTM state (``state`` [2, 1, 128]) and the
sample rate (``sr``), and returns the chunk's speech probability and the next
state.  ``sr`` is fixed to 16000 at import, so the model's ``If`` on the
sample rate folds away and the graph is the 16 kHz branch; the state goes
round through NumPy between calls.

Chunking and segmentation follow silero's documented defaults: chunks of
512 samples (the last one zero-padded), speech starts at a probability
``>= threshold`` (0.5) and ends after ``min_silence_ms`` (100 ms) below
``threshold - 0.15``; segments shorter than ``min_speech_ms`` (250 ms) are
dropped and the rest are padded by ``speech_pad_ms`` (30 ms) each side
(halving the gap when two padded segments would meet).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = [
    "CHUNK",
    "CONTEXT",
    "SAMPLE_RATE",
    "segments_from_probs",
    "speech_probs",
    "speech_segments",
    "synthetic_speech",
]

SAMPLE_RATE = 16000
CHUNK = 512
CONTEXT = 64
STATE_SHAPE = (2, 1, 128)


def _model(backend: str | None) -> Any:
    from webnnpy.tasks import model_cache

    return model_cache.imported(
        "silero-vad", {"input": (1, CONTEXT + CHUNK), "state": STATE_SHAPE},
        backend=backend, constants={"sr": np.array(SAMPLE_RATE, np.int64)})


def _audio(audio: Any) -> np.ndarray:
    a = np.asarray(audio)
    if a.ndim == 2 and 1 in a.shape:
        a = a.reshape(-1)
    if a.ndim != 1:
        raise TypeError(f"speech_segments: audio must be one channel (1-D); got "
                        f"shape {list(a.shape)}")
    if a.dtype.kind in "iu":
        a = a.astype(np.float32) / np.float32(np.iinfo(a.dtype).max)
    return a.astype(np.float32, copy=False)


def speech_probs(audio: Any, *, backend: str | None = None) -> np.ndarray:
    """The speech probability of each 512-sample chunk of 16 kHz mono audio
    (float in [-1, 1], or integer PCM), as a float32 array."""
    a = _audio(audio)
    m = _model(backend)
    names_in = m.input_names
    state_name = "state" if "state" in names_in else names_in[-1]
    prob_name, next_name = m.output_names[0], m.output_names[1]
    n = -(-len(a) // CHUNK)
    padded = np.zeros(n * CHUNK + CONTEXT, np.float32)
    padded[CONTEXT:CONTEXT + len(a)] = a
    state = np.zeros(STATE_SHAPE, np.float32)
    out = np.empty(n, np.float32)
    for i in range(n):
        x = padded[i * CHUNK:i * CHUNK + CONTEXT + CHUNK][None]
        res = m.run({"input": x, state_name: state})
        out[i] = res[prob_name].reshape(-1)[0]
        state = res[next_name]
    return out


def segments_from_probs(probs: Sequence[float] | np.ndarray, n_samples: int, *,
                        threshold: float = 0.5, neg_threshold: float | None = None,
                        min_speech_ms: float = 250, min_silence_ms: float = 100,
                        speech_pad_ms: float = 30) -> list[tuple[int, int]]:
    """Speech segments ``[(start, end)]`` in samples from per-chunk
    probabilities (chunk ``i`` starts at sample ``512 * i``)."""
    if neg_threshold is None:
        neg_threshold = max(threshold - 0.15, 0.01)
    ms = SAMPLE_RATE / 1000
    min_speech, min_silence = min_speech_ms * ms, min_silence_ms * ms
    pad = speech_pad_ms * ms
    found: list[list[int]] = []
    start: int | None = None
    silence_from = 0
    for i, p in enumerate(probs):
        at = i * CHUNK
        if start is None:
            if p >= threshold:
                start, silence_from = at, 0
            continue
        if p >= threshold:
            silence_from = 0
        elif p < neg_threshold:
            if not silence_from:
                silence_from = at
            if at - silence_from >= min_silence:
                if silence_from - start > min_speech:
                    found.append([start, silence_from])
                start, silence_from = None, 0
    if start is not None and n_samples - start > min_speech:
        found.append([start, n_samples])
    for i, seg in enumerate(found):
        if i == 0:
            seg[0] = int(max(0, seg[0] - pad))
        if i + 1 < len(found):
            gap = found[i + 1][0] - seg[1]
            if gap < 2 * pad:
                seg[1] += int(gap // 2)
                found[i + 1][0] = int(max(0, found[i + 1][0] - gap // 2))
            else:
                seg[1] = int(min(n_samples, seg[1] + pad))
                found[i + 1][0] = int(max(0, found[i + 1][0] - pad))
        else:
            seg[1] = int(min(n_samples, seg[1] + pad))
    return [(s, e) for s, e in found]


def speech_segments(audio_16k: Any, *, backend: str | None = None,
                    threshold: float = 0.5, min_speech_ms: float = 250,
                    min_silence_ms: float = 100, speech_pad_ms: float = 30
                    ) -> list[tuple[float, float]]:
    """Speech segments of 16 kHz mono audio, ``[(start_s, end_s)]`` in
    seconds (see the module docstring for the rules)."""
    a = _audio(audio_16k)
    probs = speech_probs(a, backend=backend)
    segs = segments_from_probs(probs, len(a), threshold=threshold,
                               min_speech_ms=min_speech_ms,
                               min_silence_ms=min_silence_ms,
                               speech_pad_ms=speech_pad_ms)
    return [(s / SAMPLE_RATE, e / SAMPLE_RATE) for s, e in segs]


#: vowel formants (F1, F2, F3) in Hz: /a/ /i/ /e/ /o/ /u/
_VOWELS = ((730, 1090, 2440), (270, 2290, 3010), (530, 1840, 2480),
           (570, 840, 2410), (300, 870, 2240))


def synthetic_speech(parts: Sequence[tuple[str, float]], *, seed: int = 0
                     ) -> np.ndarray:
    """A speech-like test signal at 16 kHz: ``parts`` is a sequence of
    ``("voice" | "silence" | "noise" | "tone", seconds)``.

    "voice" is a voiced source (harmonics of a pitch moving around 120 Hz)
    shaped by vowel formants that change every 180 ms, with a 4 Hz
    syllable-rate envelope; "silence" is faint noise; "noise" white noise and
    "tone" a steady 1 kHz sine (non-speech at speech loudness).  float32 in
    [-1, 1].
    """
    rng = np.random.default_rng(seed)
    out = []
    for kind, seconds in parts:
        n = round(seconds * SAMPLE_RATE)
        t = np.arange(n) / SAMPLE_RATE
        if kind == "silence":
            out.append(0.003 * rng.standard_normal(n))
        elif kind == "noise":
            out.append(0.1 * rng.standard_normal(n))
        elif kind == "tone":
            out.append(0.3 * np.sin(2 * np.pi * 1000 * t))
        elif kind == "voice":
            f0 = (120 + 25 * np.sin(2 * np.pi * 1.3 * t + rng.uniform(0, 6))
                  + 10 * np.sin(2 * np.pi * 3.1 * t))
            phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
            vowel = (np.arange(n) // int(0.18 * SAMPLE_RATE)
                     + rng.integers(len(_VOWELS))) % len(_VOWELS)
            formants = np.array(_VOWELS, np.float64)[vowel]      # n x 3
            y = np.zeros(n)
            for k in range(1, 40):
                fk = k * f0
                gain = sum(1 / (1 + ((fk - formants[:, j]) / (60 + 40 * j)) ** 2)
                           for j in range(3)) / k ** 0.5
                y += gain * np.sin(k * phase)
            y *= 0.55 + 0.45 * np.sin(2 * np.pi * 4 * t) ** 2
            y += 0.003 * rng.standard_normal(n)
            out.append(0.3 * y / np.abs(y).max())
        else:
            raise ValueError(f"synthetic_speech: unknown part {kind!r}; expected "
                             f"voice, silence, noise or tone")
    return np.concatenate(out).astype(np.float32) if out else np.zeros(0, np.float32)
