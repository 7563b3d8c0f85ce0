"""``dims=``: the values of an ONNX model's free dimensions, checked in one place.

``dims`` maps

- a ``dim_param`` name (a free dimension, e.g. ``"batch"``) to a positive
  integer, or
- a graph input's name to its whole shape: a list or tuple of non-negative
  integers (``{"x": [1, 3, 224, 224]}``).

:func:`check_dims` is what :func:`~webnnpy.models.onnx.load` and
:func:`~webnnpy.models.onnx.inspect` run on their ``dims`` argument, and
:func:`parse_dims` is the command line's ``--dims NAME=N|INPUT=N,N,...``
parser; both raise :class:`~webnnpy.models.onnx.errors.InvalidDimsError`
(a ``TypeError`` and an ``OnnxImportError``) naming the key, the value and
what was expected.  This module does not import ``onnx``.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from webnnpy.models.onnx.errors import InvalidDimsError

if TYPE_CHECKING:
    from onnx import ModelProto

__all__ = ["InputShapeError", "check_dims", "declared_dims", "free_dims",
           "free_dims_hint", "parse_dims"]

#: the example shape in messages when the input's own rank is unknown
_EXAMPLE = [1, 3, 224, 224]


class InputShapeError(InvalidDimsError):
    """An input shape that a model with free dimensions refuses at
    ``run()``/``specialize()``: a free dimension below 1 or over its declared
    maximum (``max_dims``), one dim_param with two values, a fixed dimension
    or a rank that differs from the model's.  ``key`` is the input's name,
    ``value`` the shape given; the message names the input, the dimension
    and the bound.  A ``TypeError``, raised before anything is built or
    computed."""

    def __init__(self, key: Any, value: Any, reason: str) -> None:
        super().__init__(key, value, reason, flag="run")
        self.flag = None
        self.args = (reason,)


def _as_int(v: Any) -> int | None:
    """``v`` as a Python int if it is an integer (not a bool), else None."""
    if isinstance(v, bool | np.bool_):
        return None
    try:
        return operator.index(v)
    except TypeError:
        return None


def _describe(v: Any) -> str:
    return f"{v!r} ({type(v).__name__})"


def declared_dims(vi: Any) -> list[str | int | None] | None:
    """A ValueInfo's declared dims: an int, a dim_param name, or None for an
    unnamed free dimension (exporters also write a negative dim_value such as
    -1 for one); None when it declares no shape (or is not a tensor)."""
    tt = vi.type.tensor_type if vi.type.HasField("tensor_type") else None
    if tt is None or not tt.HasField("shape"):
        return None
    out: list[str | int | None] = []
    for d in tt.shape.dim:
        if d.HasField("dim_value"):
            out.append(int(d.dim_value) if d.dim_value >= 0 else None)
        else:
            out.append(d.dim_param or None)
    return out


def _input_shapes(model: ModelProto) -> dict[str, list[str | int | None] | None]:
    """Graph input name -> its declared dims (see :func:`declared_dims`)."""
    return {vi.name: declared_dims(vi) for vi in model.graph.input}


def free_dims(model: ModelProto) -> dict[str, list[str]]:
    """The free dimensions of the graph's inputs: dim_param name (or, for an
    unnamed one or an input without a declared shape, the input's name) ->
    the inputs it appears in.  Inputs that have an initializer are left out."""
    init = {t.name for t in model.graph.initializer}
    out: dict[str, list[str]] = {}
    for name, shape in _input_shapes(model).items():
        if name in init:
            continue
        if shape is None:
            out.setdefault(name, []).append(name)
            continue
        for d in shape:
            if not isinstance(d, int):
                out.setdefault(d or name, [])
                if name not in out[d or name]:
                    out[d or name].append(name)
    return out


def free_dims_hint(shapes: Mapping[str, Sequence[str | int | None] | None],
                   flag: str = "--dims", python: bool = True,
                   given: Mapping[str, Any] | None = None) -> str:
    """What to pass for the free dimensions of some graph inputs: ``shapes``
    maps each such input to its declared dims (dim_param names, or None for
    unnamed free ones; None for no declared shape).  Per input: its whole
    shape as a ``flag`` item (``x=N,3,N,N``), or its named free dimensions one
    by one, and with ``python`` the ``dims=`` dict.  Dimensions ``given``
    a value already are filled in, not asked for.
    """
    given = {k: v for k, v in (given or {}).items() if _as_int(v) is not None}
    parts = []
    for name, dims in shapes.items():
        if dims is None:
            whole, named, declared = ["N", "N", "..."], [], " (no declared shape)"
        else:
            whole = [str(d) if isinstance(d, int) else str(given[d])
                     if d in given else "N" for d in dims]
            named = list(dict.fromkeys(d for d in dims if isinstance(d, str)
                                       and d not in given))
            if None in dims:
                named = []  # an unnamed free dimension: only the whole shape
            declared = " [" + ", ".join("?" if d is None else str(d)
                                        for d in dims) + "]"
        how = f"{flag} {name}={','.join(whole)}"
        if named:
            how += " or " + " ".join(f"{d}=N" for d in named)
        if python:
            how += f" (Python: dims={{{name!r}: [{', '.join(whole)}]}}"
            if named:
                how += " or {" + ", ".join(f"{d!r}: N" for d in named) + "}"
            how += ")"
        parts.append(f"input {name!r}{declared}: pass {how}")
    return "; ".join(parts)


def _example(shape: list[str | int | None] | None) -> list[int]:
    if shape is None:
        return list(_EXAMPLE)
    return [d if isinstance(d, int) else 1 for d in shape]


def _check_shape(key: str, value: Any, declared: list[str | int | None] | None
                 ) -> list[int]:
    example = _example(declared)
    what = f"input {key!r} needs a shape list like {example}"
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise InvalidDimsError(key, value, f"{what}, got {_describe(value)}",
                               example=example)
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise InvalidDimsError(key, value, f"{what}, got a {value.ndim}-D array",
                               example=example)
    shape: list[int] = []
    for i, d in enumerate(value):
        n = _as_int(d)
        if n is None or n < 0:
            raise InvalidDimsError(
                key, value, f"{what}: dimension {i} is {_describe(d)}, not a "
                f"non-negative integer", example=example)
        shape.append(n)
    if declared is not None and len(shape) != len(declared):
        raise InvalidDimsError(
            key, value, f"input {key!r} has rank {len(declared)} (shape "
            f"{[d if d is not None else '?' for d in declared]}), got "
            f"{len(shape)} dimensions", example=example)
    return shape


def _check_dim(key: str, value: Any) -> int:
    n = _as_int(value)
    if n is None or n < 1:
        raise InvalidDimsError(
            key, value, f"the free dimension {key!r} needs a positive integer, "
            f"got {_describe(value)}")
    return n


def check_dims(dims: Mapping[str, Any] | None, model: ModelProto | None = None
               ) -> dict[str, int | list[int]]:
    """``dims`` checked and normalized: ``{dim_param: int, input: [int, ...]}``.

    With ``model``, each key must be one of its graph inputs (then the value
    is the input's whole shape, of the input's rank) or a ``dim_param`` of
    one (then a positive integer); a name that is both takes either form.
    Without it, an integer is taken as a dim_param's value and a list as an
    input's shape.

    Raises:
        InvalidDimsError: naming the key, the value and what was expected.
    """
    if dims is None:
        return {}
    if not isinstance(dims, Mapping):
        raise InvalidDimsError(
            None, dims, f"expected a mapping like {{'batch': 1}} or "
            f"{{'x': {_EXAMPLE}}}, got {_describe(dims)}")
    shapes = _input_shapes(model) if model is not None else None
    params: set[str] = set()
    for shape in (shapes or {}).values():
        params.update(d for d in shape or () if isinstance(d, str))
    out: dict[str, int | list[int]] = {}
    for key, value in dims.items():
        if not isinstance(key, str):
            raise InvalidDimsError(key, value, f"dims keys are dim_param or input "
                                   f"names (str), got {_describe(key)}")
        if shapes is None:
            out[key] = (_check_dim(key, value) if _as_int(value) is not None
                        else _check_shape(key, value, None))
            continue
        is_input, is_param = key in shapes, key in params
        if is_input and is_param:
            out[key] = (_check_dim(key, value) if _as_int(value) is not None
                        else _check_shape(key, value, shapes[key]))
        elif is_input:
            out[key] = _check_shape(key, value, shapes[key])
        elif is_param:
            out[key] = _check_dim(key, value)
        else:
            free = sorted(params)
            raise InvalidDimsError(
                key, value, f"{key!r} is neither a graph input "
                f"({', '.join(map(repr, shapes)) or 'none'}) nor a free "
                f"dimension ({', '.join(map(repr, free)) or 'none'})")
    return out


def parse_dims(items: Sequence[str] | None, flag: str = "--dims"
               ) -> dict[str, int | list[int]]:
    """``["batch=1", "x=1,3,224,224"]`` -> ``{"batch": 1, "x": [1, 3, 224, 224]}``.

    ``x=5`` is the integer 5 and ``x=5,`` the one-dimensional shape [5]; an
    empty shape (a scalar input) is ``x=``.  Errors name ``flag``.

    Raises:
        InvalidDimsError: an item that is not ``NAME=N`` or ``NAME=N,N,...``.
    """
    out: dict[str, int | list[int]] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise InvalidDimsError(name or None, item, f"{flag} {item!r}: expected "
                                   f"NAME=N (a free dimension) or INPUT=N,N,... "
                                   f"(an input's shape)", flag=flag)
        parts = [v.strip() for v in value.split(",")] if value else []
        if parts and parts[-1] == "" and len(parts) > 1:
            parts.pop()  # "x=5," is [5]
        try:
            nums = [int(v) for v in parts]
        except ValueError:
            raise InvalidDimsError(name, value, f"{flag} {item!r}: {value!r} is not "
                                   f"an integer or a comma-separated list of "
                                   f"integers", flag=flag) from None
        if "," in value or not value:
            out[name] = nums
        else:
            out[name] = nums[0]
        try:
            check_dims({name: out[name]})
        except InvalidDimsError as e:
            raise InvalidDimsError(name, value, f"{flag} {item!r}: {e.reason}",
                                   flag=flag) from None
    return out
