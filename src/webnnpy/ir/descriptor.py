"""``Desc``: an operand descriptor (data type and shape) as a frozen value."""

from __future__ import annotations

import math
from dataclasses import dataclass

from webnnpy.dtypes import byte_length

__all__ = ["Desc"]


@dataclass(frozen=True, slots=True)
class Desc:
    """An MLOperandDescriptor: ``data_type`` (spec string) and ``shape`` (tuple)."""

    data_type: str
    shape: tuple[int, ...]

    @property
    def rank(self) -> int:
        """Number of dimensions."""
        return len(self.shape)

    @property
    def element_count(self) -> int:
        """Product of the dimensions (1 for a scalar)."""
        return math.prod(self.shape)

    @property
    def byte_length(self) -> int:
        """Element count times element size (``ceil(count / 2)`` for the
        packed int4/uint4)."""
        return byte_length(self.data_type, self.element_count)

    def with_shape(self, shape: tuple[int, ...] | list[int]) -> Desc:
        """The same data type with another shape."""
        return Desc(self.data_type, tuple(int(d) for d in shape))

    def with_type(self, data_type: str) -> Desc:
        """The same shape with another data type."""
        return Desc(data_type, self.shape)

    def __str__(self) -> str:
        return f"{self.data_type}{list(self.shape)}"
