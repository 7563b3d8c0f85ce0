"""Host arrays in, as an imported model's graph takes them: what the ONNX
and TFLite importers' ``run()`` share (NumPy only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["host_feeds"]


def host_feeds(inputs: Mapping[str, Any], descs: Mapping[str, Mapping[str, Any]],
               is_bool: Callable[[str], bool]) -> dict[str, np.ndarray]:
    """The graph's feeds from ``inputs`` (by name): for each input of
    ``descs`` (``data_type``, ``shape``), the array converted to its type
    where NumPy can do so safely (``same_kind``), a model-level bool input
    (``is_bool(name)``) as uint8, C-contiguous; inputs not in ``descs`` are
    ignored.

    Raises:
        TypeError: a missing input, a type that does not convert, or another
            shape than the graph's, naming the input.
    """
    feeds: dict[str, np.ndarray] = {}
    for name, desc in descs.items():
        if name not in inputs:
            raise TypeError(f"run: input {name!r} is missing; the model takes "
                            f"{sorted(descs)}")
        a = np.asarray(inputs[name])
        target = np.dtype(desc["data_type"])
        if is_bool(name):
            if a.dtype != np.bool_ and a.dtype != np.uint8:
                raise TypeError(f"run: input {name!r} is bool; got {a.dtype}")
            a = a.astype(np.uint8)
        elif a.dtype != target:
            if not np.can_cast(a.dtype, target, "same_kind"):
                raise TypeError(f"run: input {name!r} is {desc['data_type']}; got "
                                f"{a.dtype}")
            a = a.astype(target)
        if tuple(a.shape) != tuple(desc["shape"]):
            raise TypeError(f"run: input {name!r} has shape {list(a.shape)}; the "
                            f"graph was built for {list(desc['shape'])}")
        feeds[name] = np.asarray(a, order="C")  # (0-D stays 0-D)
    return feeds
