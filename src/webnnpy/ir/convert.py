"""The IDL conversion of a builder method's non-operand arguments, in one
place, driven by the API table (``_spec/api_table.json``): each argument and
option is converted by its WebIDL type (``unsigned long``, ``sequence<unsigned
long>``, ``boolean``, ``double``, ``MLNumber``, the spec's enums...) and an
absent option takes its IDL default.  Options whose IDL default is null stay
None: what an absent one means is a method step, left to the op's rule.

:class:`webnnpy.ir.registry.RuleTable` runs :func:`convert_arguments` before
every rule, so a rule receives converted values and holds only the spec's
method steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from webnnpy._spec import api_table, op_table
from webnnpy.ir.checks import (
    as_bool,
    as_double,
    as_enum,
    as_enum_list,
    as_float32_list,
    as_long,
    as_number,
    as_uint,
    as_uint_list,
)

__all__ = ["convert_arguments"]

Converter = Callable[[str, str, Any], Any]


def _converter(idl_type: str) -> Converter | None:
    """How to convert a value of ``idl_type``; None for types a rule
    converts itself (unions) or that are not plain values."""
    simple: dict[str, Converter] = {
        "unsigned long": as_uint,
        "long": as_long,
        "boolean": as_bool,
        "double": as_double,
        "float": as_double,
        "MLNumber": as_number,
        "sequence<unsigned long>": as_uint_list,
        "sequence<float>": as_float32_list,
    }
    if idl_type in simple:
        return simple[idl_type]
    enums = api_table()["enums"]
    if idl_type in enums or idl_type == "MLOperandDataType":
        return lambda op, name, v: as_enum(op, name, v, idl_type)
    if idl_type.startswith("sequence<") and idl_type[9:-1] in enums:
        item = idl_type[9:-1]
        return lambda op, name, v: as_enum_list(op, name, v, item)
    return None


_OPERANDS = ("MLOperand", "sequence<MLOperand>")


@cache
def _plan(op: str) -> tuple[tuple[str, Converter | None, bool, Any], ...]:
    """(spec name, converter, required, IDL default) of each non-operand
    argument and option of ``op``, in the order WebIDL converts them."""
    entry = op_table(op)
    dictionary = entry.get("options_dictionary")
    plan: list[tuple[str, Converter | None, bool, Any]] = []
    for a in entry["arguments"]:
        if a["type"] in _OPERANDS or a["type"] == dictionary:
            continue
        plan.append((a["name"], _converter(a["type"]), True, None))
    # WebIDL converts a dictionary's members in lexicographic order
    for name, o in sorted((entry.get("options") or {}).items()):
        if name == "label" or o["type"] in _OPERANDS:
            continue
        plan.append((name, _converter(o["type"]), False, o["default"]))
    return tuple(plan)


def convert_arguments(op: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
    """``attrs`` (spec names; None where the caller passed nothing) with every
    argument converted by its IDL type and every absent option with a
    non-null IDL default set to it.  Raises the spec's TypeError, naming the
    op, the argument and what it expects."""
    out = dict(attrs)
    for name, convert, required, default in _plan(op):
        value = out.get(name)
        if value is None and not required:
            if default is not None:
                out[name] = list(default) if isinstance(default, list) else default
            continue
        if convert is not None:
            out[name] = convert(op, name, value)
    return out
