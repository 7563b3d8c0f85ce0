"""Tasks on real models through WebNN graphs (the usage layer).

- :mod:`webnnpy.tasks.ocr`: read the text in an image (PP-OCRv6 detection +
  recognition), ``read_text(image)``, and ``render_line(text)``;
- :mod:`webnnpy.tasks.vad`: speech segments in 16 kHz audio (Silero VAD),
  ``speech_segments(audio)``;
- :mod:`webnnpy.tasks.cli`: ``webnnpy demo ocr|vad``.

The models are files that registry packages ship (:mod:`webnnpy.models.zoo`),
imported with :func:`webnnpy.models.onnx.load`; pre- and post-processing are
NumPy (and Pillow for images).  Nothing here is imported by ``import
webnnpy``.
"""

from __future__ import annotations

__all__: list[str] = []
