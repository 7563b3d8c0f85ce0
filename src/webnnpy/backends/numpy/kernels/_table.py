"""The kernel table type shared by the kernel families."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from webnnpy.ir.graph import Node
from webnnpy.ir.registry import OpTable

__all__ = ["Kernel", "KernelTable", "f64", "out_dtype"]

#: kernel(node, inputs) -> outputs; ``inputs`` maps each spec operand name to an
#: array (None for an absent option, a list for sequence arguments).
Kernel = Callable[[Node, dict[str, Any]], list[np.ndarray]]


#: A family's kernels, keyed by spec op name
KernelTable = OpTable[Kernel]


def f64(x: np.ndarray) -> np.ndarray:
    """``x`` as float64 (exact for every WebNN type but 64-bit integers beyond
    2**53; integer kernels should not go through here)."""
    return np.asarray(x, dtype=np.float64)


def out_dtype(node: Node, i: int = 0) -> np.dtype:
    """The NumPy dtype of the node's i-th output."""
    return np.dtype(node.outputs[i].desc.data_type)
