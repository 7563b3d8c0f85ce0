"""MLOperand: an edge of the graph being built."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webnnpy.ir.graph import Value

if TYPE_CHECKING:
    from webnnpy.api.builder_base import BuilderBase

__all__ = ["MLOperand"]


# Spec: interface MLOperand #api-mloperand
class MLOperand:
    """An operand of a graph under construction, made by MLGraphBuilder methods.

    Operands are immutable; every builder method returns new ones.
    """

    __slots__ = ("__weakref__", "_builder", "_value")

    def __init__(self, builder: BuilderBase, value: Value) -> None:
        self._builder = builder
        self._value = value

    # Spec: readonly attribute MLOperandDataType dataType
    @property
    def data_type(self) -> str:
        """The operand's MLOperandDataType, e.g. ``"float32"``."""
        return self._value.desc.data_type

    # Spec: readonly attribute FrozenArray<unsigned long> shape
    @property
    def shape(self) -> tuple[int, ...]:
        """The operand's dimensions (an empty tuple for a scalar).  With
        dynamic input dimensions (an extension), a dimension that depends on
        them is an MLDynamicDimension (its ``max_size`` the size at the
        maxima)."""
        if self._builder._dynamic is not None:
            return self._builder._symbolic_shape(self._value)  # type: ignore[return-value]
        return self._value.desc.shape

    @property
    def rank(self) -> int:
        """``len(shape)`` (a declared addition)."""
        return len(self._value.desc.shape)

    def __repr__(self) -> str:
        v = self._value
        kind = ("input " + repr(v.input_name) if v.is_input else
                "constant" if v.is_constant else
                (v.producer.op if v.producer else "?"))
        return f"<MLOperand {v.desc.data_type}{list(v.desc.shape)} from {kind}>"
