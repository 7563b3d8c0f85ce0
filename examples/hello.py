"""A first WebNN graph in Python: build, compile, run, print.

    python examples/hello.py
"""

from __future__ import annotations

import numpy as np

import webnnpy as webnn


def main() -> None:
    context = webnn.ml.create_context()
    builder = webnn.MLGraphBuilder(context)

    # y = relu(x * w + b), element-wise, with w and b constants
    desc = {"data_type": "float32", "shape": [2, 3]}
    x = builder.input("x", desc)
    w = builder.constant(desc, np.array([[1, -2, 3], [-4, 5, -6]], np.float32))
    b = builder.constant("float32", 0.5)
    xw = builder.mul(x, w)
    y = builder.max(builder.add(xw, b), builder.constant("float32", 0.0))
    graph = builder.build({"y": y})

    # The spec's way: tensors on the context's timeline.
    x_t = context.create_tensor({**desc, "writable": True})
    y_t = context.create_tensor({**desc, "readable": True})
    context.write_tensor(x_t, np.ones((2, 3), np.float32))
    context.dispatch(graph, {"x": x_t}, {"y": y_t})
    result = context.read_tensor(y_t)

    print(f"webnnpy {webnn.__version__} on the {context.backend!r} backend")
    print(f"graph: {graph}")
    print("y = max(x * w + 0.5, 0) with x = 1:")
    print(result)
    expected = np.maximum(np.array([[1, -2, 3], [-4, 5, -6]]) + 0.5, 0)
    assert np.array_equal(result, expected.astype(np.float32)), "unexpected result"
    for t in (x_t, y_t):
        t.destroy()
    graph.destroy()
    context.destroy()


if __name__ == "__main__":
    main()
