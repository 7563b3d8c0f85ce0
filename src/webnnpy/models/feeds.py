"""Host arrays in, as an imported model's graph takes them: what the ONNX
and TFLite importers' ``run()`` share (NumPy only)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

__all__ = ["FeedPlan", "feed_plan", "host_feeds", "planned_feeds"]


#: per graph input: (name, NumPy dtype, shape, travels as uint8 for a bool)
FeedPlan = tuple[tuple[str, np.dtype[Any], tuple[int, ...], bool], ...]


def feed_plan(descs: Mapping[str, Mapping[str, Any]],
              is_bool: Callable[[str], bool]) -> FeedPlan:
    """What :func:`host_feeds` checks for each input of ``descs``
    (``data_type``, ``shape``), read once: a model keeps it, so that a run
    reads no descriptor."""
    return tuple((name, np.dtype(d["data_type"]), tuple(d["shape"]), is_bool(name))
                 for name, d in descs.items())


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
    return planned_feeds(inputs, feed_plan(descs, is_bool))


def planned_feeds(inputs: Mapping[str, Any], plan: FeedPlan) -> dict[str, np.ndarray]:
    """:func:`host_feeds` with the descriptors read by :func:`feed_plan`; an
    array of exactly the input's type and shape, C-contiguous, is passed on
    as it is."""
    feeds: dict[str, np.ndarray] = {}
    for name, target, shape, boolean in plan:
        a = inputs.get(name) if isinstance(inputs, dict) else (
            inputs[name] if name in inputs else None)
        if (type(a) is np.ndarray and not boolean and a.dtype == target
                and a.shape == shape and a.flags.c_contiguous):
            feeds[name] = a
            continue
        if a is None and name not in inputs:
            raise TypeError(f"run: input {name!r} is missing; the model takes "
                            f"{sorted(n for n, *_ in plan)}")
        a = np.asarray(a)
        if boolean:
            if a.dtype != np.bool_ and a.dtype != np.uint8:
                raise TypeError(f"run: input {name!r} is bool; got {a.dtype}")
            a = a.astype(np.uint8)
        elif a.dtype != target:
            if not np.can_cast(a.dtype, target, "same_kind"):
                raise TypeError(f"run: input {name!r} is {target}; got "
                                f"{a.dtype}")
            a = a.astype(target)
        if tuple(a.shape) != shape:
            raise TypeError(f"run: input {name!r} has shape {list(a.shape)}; the "
                            f"graph was built for {list(shape)}")
        feeds[name] = np.asarray(a, order="C")  # (0-D stays 0-D)
    return feeds
