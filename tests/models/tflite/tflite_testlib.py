"""Helpers for the TFLite importer tests: run a model on LiteRT (the
oracle) and through webnnpy, and compare."""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
from ai_edge_litert.interpreter import Interpreter

import webnnpy
from webnnpy.models import tflite as wt

__all__ = ["CI", "compare", "litert_run"]

#: under CI=true a required part that cannot run fails instead of skipping
CI = os.environ.get("CI", "").strip().lower() == "true"


def litert_run(data: bytes | str, feeds: Mapping[str, np.ndarray]
               ) -> dict[str, np.ndarray]:
    """Outputs of LiteRT's interpreter (default op resolver: XNNPACK)."""
    it = (Interpreter(model_content=data) if isinstance(data, bytes)
          else Interpreter(model_path=data))
    it.allocate_tensors()
    for d in it.get_input_details():
        it.set_tensor(d["index"], np.asarray(feeds[d["name"]]))
    it.invoke()
    return {d["name"]: it.get_tensor(d["index"]).copy()
            for d in it.get_output_details()}


def compare(data: bytes, feeds: Mapping[str, np.ndarray],
            context: webnnpy.MLContext, *, atol: float = 1e-5,
            rtol: float = 1e-5, lsb: int | None = None) -> dict[str, np.ndarray]:
    """Run ``data`` on LiteRT and on webnnpy (``context``) and assert every
    output agrees: floats within ``atol + rtol * |want|``, integer
    (quantized) outputs within ``lsb`` steps (exact when None)."""
    want = litert_run(data, feeds)
    got = wt.load(data, context=context).run(feeds)
    assert list(got) == list(want)
    for k, w in want.items():
        g = got[k]
        assert g.shape == w.shape, (k, g.shape, w.shape)
        assert g.dtype == w.dtype, (k, g.dtype, w.dtype)
        if w.dtype.kind in "iub":
            diff = np.abs(g.astype(np.int64) - w.astype(np.int64)).max()
            assert diff <= (lsb or 0), f"{k}: {diff} steps apart"
        else:
            np.testing.assert_allclose(g, w, atol=atol, rtol=rtol, err_msg=k)
    return got
