"""Control flow: If with a condition known at import is replaced by the
branch it takes (the branch's nodes are converted in the outer scope).
Loop and Scan are not mapped.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from webnnpy.models.onnx.convert import ImportContext, NodeInfo, Tensor

__all__ = ["HANDLERS"]


def _if(ctx: ImportContext, node: NodeInfo, inputs: list[Tensor | None],
        attrs: dict[str, Any]) -> list[Any]:
    c_t = inputs[0]
    assert c_t is not None
    cond = np.asarray(ctx.const(c_t, "cond"))
    if cond.size != 1:
        raise ctx.fail(f"cond has {cond.size} elements; expected 1")
    branch = attrs["then_branch" if bool(cond.reshape(-1)[0]) else "else_branch"]
    assert ctx.run_subgraph is not None
    outs = ctx.run_subgraph(branch)
    if len(outs) != len(node.outputs):
        raise ctx.fail(f"the branch has {len(outs)} outputs; the node has "
                       f"{len(node.outputs)}")
    return outs


HANDLERS = {
    "If": ((1, 25, _if),),
}
