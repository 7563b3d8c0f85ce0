"""Chromium's WebNN beside webnnpy: the source tree's cross-check runners.

Not part of the installed package (like ``benchmarks/`` and ``conformance/``):
they need the repository's ``tests/samples`` and ``benchmarks/``, and a
browser from ``webnnpy browser install``.

- ``python -m crosscheck``: every op case (``tests/samples`` calls and the
  option variations of :mod:`crosscheck.cases`) run in webnnpy's reference
  and in Chromium, compared within the tolerance manifest; an agreement table
  (``docs/chromium_agreement.md``);
- ``python -m crosscheck.latency``: MobileNetV2, the encoder and PP-OCRv6
  timed in Chromium and in webnnpy's backends.
"""
