"""Random WebNN graphs: a plain-data description (:class:`Graph`) that can be
built on any context, shrunk, and printed as a runnable Python snippet.

A graph is a list of leaves (inputs and constants, with their values) and a
chain of 1-6 op calls; each call's principal operand is the previous call's
result (or a leaf), its other operands are new leaves.  Which data types and
ranks an op is tried with comes from the context's ``op_support_limits()``;
the family of each op and the name of its principal operand come from
``tests/samples`` (the op_support_limits samples).
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

import webnnpy
from webnnpy._spec import to_py_name
from webnnpy.dtypes import from_numpy_dtype, int_bounds, numpy_dtype
from webnnpy.ir.registry import FAMILIES

__all__ = ["FAMILIES", "FAMILY", "KEY", "Call", "Graph", "Leaf", "Ref",
           "build", "generate", "random_values", "snippet"]


#: spec op name -> family; spec op name -> the limits key of its principal operand
FAMILY: dict[str, str] = {}
KEY: dict[str, str] = {}
for _fam in FAMILIES:
    for _op, _s in importlib.import_module(f"samples.{_fam}").SAMPLES.items():
        FAMILY[_op] = _fam
        KEY[_op] = _s.key

FLOATS = ("float32", "float16")


# ------------------------------------------------------------------ data


@dataclass(frozen=True)
class Ref:
    """A reference to a leaf or an earlier call's result, by name."""

    name: str

    def __repr__(self) -> str:
        return self.name


@dataclass
class Leaf:
    """A graph input (``const=False``) or constant with its value."""

    name: str
    value: np.ndarray
    const: bool = False


@dataclass
class Call:
    """``out = builder.<op>(*args, **kwargs)[pick]``."""

    op: str
    args: list[Any]
    kwargs: dict[str, Any]
    out: str
    pick: int | None = None


@dataclass
class Graph:
    """Leaves, a chain of calls, and the names of the outputs."""

    leaves: list[Leaf]
    calls: list[Call]
    outputs: list[str]
    seed: int | None = None
    note: str = ""
    #: the data type and shape of every value, filled in by generate/build
    descs: dict[str, tuple[str, tuple[int, ...]]] = field(default_factory=dict)

    def ops(self) -> list[str]:
        return [c.op for c in self.calls]

    def copy(self) -> Graph:
        return Graph([Leaf(lf.name, lf.value.copy(), lf.const) for lf in self.leaves],
                     [Call(c.op, list(c.args), dict(c.kwargs), c.out, c.pick)
                      for c in self.calls],
                     list(self.outputs), self.seed, self.note, dict(self.descs))


def _resolve(v: Any, env: dict[str, Any]) -> Any:
    if isinstance(v, Ref):
        return env[v.name]
    if isinstance(v, list):
        return [_resolve(x, env) for x in v]
    return v


def refs_of(call: Call) -> list[str]:
    """The names a call uses."""
    out: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, Ref):
            out.append(v.name)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    for a in call.args:
        walk(a)
    for a in call.kwargs.values():
        walk(a)
    return out


def build(graph: Graph, context: webnnpy.MLContext, *, finish: bool = True
          ) -> tuple[webnnpy.MLGraph | None, dict[str, np.ndarray]]:
    """Build ``graph`` on ``context``: (the MLGraph, its input feeds).
    Raises TypeError where the builder refuses a call.  With ``finish``
    False the calls are only made (validated), not built (no MLGraph)."""
    b = webnnpy.MLGraphBuilder(context)
    env: dict[str, Any] = {}
    feeds: dict[str, np.ndarray] = {}
    for lf in graph.leaves:
        desc = {"data_type": str(lf.value.dtype), "shape": list(lf.value.shape)}
        if lf.const:
            env[lf.name] = b.constant(desc, lf.value)
        else:
            env[lf.name] = b.input(lf.name, desc)
            feeds[lf.name] = lf.value
    for c in graph.calls:
        res = getattr(b, to_py_name(c.op))(*_resolve(c.args, env),
                                           **_resolve(c.kwargs, env))
        if c.pick is not None:
            res = res[c.pick]
        env[c.out] = res
    for name, op in env.items():
        graph.descs[name] = (op.data_type, tuple(op.shape))
    if not finish:
        return None, feeds
    return b.build({n: env[n] for n in graph.outputs}), feeds


# ------------------------------------------------------------------ values

_F32_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-40, -1e-40, 1.4e-45,
                1.1754944e-38, 3.4028235e38, -3.4028235e38, 70000.0, 65504.0,
                -65520.0, 1e19, 1e30, -1e30, 1.0, -1.0, 0.5, 1.0001, 88.8, -104.0]
_F16_SPECIAL = [0.0, -0.0, np.inf, -np.inf, np.nan, 6e-8, -6e-8, 6.1035e-5,
                65504.0, -65504.0, 1.0, -1.0, 0.5, 11.1, -17.5]


def _int_bounds(dt: np.dtype) -> tuple[int, int]:
    """(min, max) of an integer dtype, ml_dtypes' int4/uint4 included."""
    name = from_numpy_dtype(dt)
    if name is not None:
        return int_bounds(name)
    info = np.iinfo(dt)
    return int(info.min), int(info.max)


def _int_specials(dt: np.dtype) -> list[int]:
    lo, hi = _int_bounds(dt)
    vals = [0, 1, hi, hi - 1, lo, 2]
    if lo < 0:
        vals += [-1, lo + 1, -2]
    return vals


def random_values(rng: np.random.Generator, dtype: str, shape: tuple[int, ...],
                  special: float, *, low: float = -4, high: float = 4
                  ) -> np.ndarray:
    """Values of ``dtype``: mostly in [low, high], a ``special`` fraction of
    them special (±0, ±inf, NaN, subnormals, float16 overflow, extremes)."""
    dt = numpy_dtype(dtype)  # ml_dtypes' int4/uint4 registered on first use
    n = math.prod(shape)
    if dt.kind == "f":
        kind = rng.integers(0, 4)
        if kind == 0:
            base = rng.uniform(low, high, n)
        elif kind == 1:
            base = rng.integers(int(low), int(high) + 1, n).astype(np.float64)
        elif kind == 2:
            base = rng.uniform(0.25, 2.0, n)
        else:
            base = rng.standard_normal(n) * 3
        specials = _F32_SPECIAL if dtype == "float32" else _F16_SPECIAL
    else:
        tlo, thi = _int_bounds(dt)
        lo, hi = max(int(low), tlo), min(int(high), thi)
        base = rng.integers(lo, hi + 1, n).astype(object)
        specials = _int_specials(dt)
    arr = np.array(base, dtype=object if dt.kind != "f" else np.float64)
    if special > 0 and n:
        mask = rng.random(n) < special
        picks = rng.integers(0, len(specials), n)
        for i in np.flatnonzero(mask):
            arr[i] = specials[picks[i]]
    with np.errstate(over="ignore", invalid="ignore"):
        return np.array(arr.tolist(), dtype=np.float64 if dt.kind == "f"
                        else object).astype(dt).reshape(shape)


# ------------------------------------------------------------------ generation


class Gen:
    """Generation state for one graph: the random source, the leaves made so
    far and the special-value rate."""

    def __init__(self, rng: np.random.Generator, special: float) -> None:
        self.rng = rng
        self.special = special
        self.leaves: list[Leaf] = []
        self.descs: dict[str, tuple[str, tuple[int, ...]]] = {}

    def leaf(self, dtype: str, shape: Any, *, const: bool | None = None,
             value: np.ndarray | None = None, low: float = -4, high: float = 4,
             special: float | None = None) -> Ref:
        shape = tuple(int(d) for d in shape)
        if value is None:
            value = random_values(self.rng, dtype, shape,
                                  self.special if special is None else special,
                                  low=low, high=high)
        else:
            value = np.asarray(value, dtype=dtype).reshape(shape)
        if const is None:
            const = bool(self.rng.random() < 0.3)
        name = f"{'c' if const else 'x'}{len(self.leaves)}"
        self.leaves.append(Leaf(name, value, const))
        self.descs[name] = (dtype, shape)
        return Ref(name)

    def choice(self, seq: Any) -> Any:
        return seq[int(self.rng.integers(0, len(seq)))]

    def randint(self, lo: int, hi: int) -> int:
        """An int in [lo, hi]."""
        return int(self.rng.integers(lo, hi + 1))

    def coin(self, p: float = 0.5) -> bool:
        return bool(self.rng.random() < p)

    def shape(self, rank: int, *, lo: int = 1, hi: int = 4) -> tuple[int, ...]:
        """A random shape of ``rank``, with size-1 dims often."""
        return tuple(1 if self.coin(0.25) else self.randint(lo, hi)
                     for _ in range(rank))

    def broadcast_to(self, shape: tuple[int, ...]) -> tuple[int, ...]:
        """A shape that broadcasts to ``shape`` (same, fewer dims, ones)."""
        k = self.randint(0, len(shape)) if self.coin(0.5) else len(shape)
        tail = list(shape[len(shape) - k:])
        return tuple(1 if self.coin(0.3) else d for d in tail)


#: value: (ref, data type, shape); a generator returns (args, kwargs, pick)
Operand = tuple[Ref, str, tuple[int, ...]]
GenFn = Callable[[Gen, Operand], tuple[list[Any], dict[str, Any], int | None]]
GENERATORS: dict[str, GenFn] = {}


def _gen(*ops: str) -> Callable[[GenFn], GenFn]:
    def deco(fn: GenFn) -> GenFn:
        for op in ops:
            GENERATORS[op] = fn
        return fn

    return deco


@_gen("abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log", "neg",
      "reciprocal", "roundEven", "sin", "sign", "sqrt", "tan", "logicalNot",
      "isNaN", "isInfinite", "gelu", "hardSwish", "relu", "sigmoid", "softplus",
      "softsign", "tanh")
def _unary(g: Gen, x: Operand):
    return [x[0]], {}, None


@_gen("add", "sub", "mul", "div", "max", "min", "pow", "equal", "notEqual",
      "greater", "greaterOrEqual", "lesser", "lesserOrEqual", "logicalAnd",
      "logicalOr", "logicalXor")
def _binary(g: Gen, x: Operand):
    other = g.leaf(x[1], g.broadcast_to(x[2]))
    return ([other, x[0]] if g.coin(0.3) else [x[0], other]), {}, None


@_gen("prelu")
def _prelu(g: Gen, x: Operand):
    return [x[0], g.leaf(x[1], g.broadcast_to(x[2]))], {}, None


def _finite(g: Gen, lo: float = -3, hi: float = 3) -> float:
    return float(np.float32(g.choice([g.rng.uniform(lo, hi), 0.0, 1.0, -1.0, 0.5])))


@_gen("elu", "leakyRelu")
def _alpha(g: Gen, x: Operand):
    return [x[0]], ({"alpha": _finite(g)} if g.coin() else {}), None


@_gen("hardSigmoid", "linear")
def _alpha_beta(g: Gen, x: Operand):
    kw = {}
    if g.coin(0.7):
        kw["alpha"] = _finite(g)
    if g.coin(0.7):
        kw["beta"] = _finite(g)
    return [x[0]], kw, None


@_gen("softmax")
def _softmax(g: Gen, x: Operand):
    return [x[0], g.randint(0, max(len(x[2]) - 1, 0))], {}, None


@_gen("clamp")
def _clamp(g: Gen, x: Operand):
    kw: dict[str, Any] = {}
    is_f = x[1] in FLOATS
    specials = [float("nan"), float("inf"), float("-inf"), -0.0] if is_f else []
    lo = g.choice([*specials, -1, 0, -2.5 if is_f else -3]) if g.coin(0.7) else None
    hi = g.choice([*specials, 1, 2, 3.5 if is_f else 4]) if g.coin(0.7) else None
    if lo is not None:
        kw["min_value"] = lo
    if hi is not None:
        kw["max_value"] = hi
    return [x[0]], kw, None


# ---- conv / pool


def _pads(g: Gen, k: int = 2) -> list[int]:
    return [g.randint(0, k) for _ in range(4)]


@_gen("conv2d")
def _conv2d(g: Gen, x: Operand):
    _, c, h, w = x[2]
    groups = c if (c > 1 and g.coin(0.25)) else 1
    kh, kw = g.randint(1, min(3, h + 1)), g.randint(1, min(3, w + 1))
    oc = groups * g.randint(1, 3)
    kwargs: dict[str, Any] = {}
    if g.coin():
        kwargs["padding"] = _pads(g, 1)
    if g.coin(0.3):
        kwargs["strides"] = [g.randint(1, 2), g.randint(1, 2)]
    if g.coin(0.2):
        kwargs["dilations"] = [g.randint(1, 2), g.randint(1, 2)]
    if groups > 1:
        kwargs["groups"] = groups
    if g.coin():
        kwargs["bias"] = g.leaf(x[1], [oc])
    return [x[0], g.leaf(x[1], [oc, c // groups, kh, kw])], kwargs, None


@_gen("convTranspose2d")
def _conv_t(g: Gen, x: Operand):
    c = x[2][1]
    oc = g.randint(1, 3)
    kh, kw = g.randint(1, 3), g.randint(1, 3)
    kwargs: dict[str, Any] = {}
    if g.coin(0.4):
        kwargs["strides"] = [g.randint(1, 2), g.randint(1, 2)]
    if g.coin(0.3):
        kwargs["padding"] = [g.randint(0, kh - 1), g.randint(0, kh - 1),
                             g.randint(0, kw - 1), g.randint(0, kw - 1)]
    if g.coin():
        kwargs["bias"] = g.leaf(x[1], [oc])
    return [x[0], g.leaf(x[1], [c, oc, kh, kw])], kwargs, None


@_gen("averagePool2d", "l2Pool2d", "maxPool2d")
def _pool(g: Gen, x: Operand):
    h, w = x[2][2:]
    kwargs: dict[str, Any] = {}
    if g.coin(0.8):
        kwargs["window_dimensions"] = [g.randint(1, min(h, 3)), g.randint(1, min(w, 3))]
    if g.coin(0.4):
        kwargs["strides"] = [g.randint(1, 2), g.randint(1, 2)]
    if g.coin(0.3) and "window_dimensions" in kwargs:
        kh, kw = kwargs["window_dimensions"]
        kwargs["padding"] = [g.randint(0, kh - 1), g.randint(0, kh - 1),
                             g.randint(0, kw - 1), g.randint(0, kw - 1)]
    if g.coin(0.2):
        kwargs["output_shape_rounding"] = "ceil"
    return [x[0]], kwargs, None


# ---- matmul / norm


@_gen("matmul")
def _matmul(g: Gen, x: Operand):
    shape = x[2]
    k = shape[-1]
    other = (*g.broadcast_to(shape[:-2]), k, g.randint(1, 4))
    return [x[0], g.leaf(x[1], other)], {}, None


@_gen("gemm")
def _gemm(g: Gen, x: Operand):
    a_t, b_t = g.coin(0.3), g.coin(0.3)
    m, k = (x[2][1], x[2][0]) if a_t else x[2]
    n = g.randint(1, 4)
    kw: dict[str, Any] = {}
    if a_t:
        kw["a_transpose"] = True
    if b_t:
        kw["b_transpose"] = True
    if g.coin():
        kw["c"] = g.leaf(x[1], g.broadcast_to((m, n)))
    if g.coin(0.3):
        kw["alpha"] = _finite(g)
    if g.coin(0.3):
        kw["beta"] = _finite(g)
    return [x[0], g.leaf(x[1], (n, k) if b_t else (k, n))], kw, None


@_gen("batchNormalization")
def _batch_norm(g: Gen, x: Operand):
    rank = len(x[2])
    axis = g.randint(0, rank - 1) if rank > 1 and g.coin(0.3) else min(1, rank - 1)
    c = x[2][axis]
    kw: dict[str, Any] = {"axis": axis} if axis != 1 else {}
    if g.coin():
        kw["scale"] = g.leaf(x[1], [c])
    if g.coin():
        kw["bias"] = g.leaf(x[1], [c])
    if g.coin(0.3):
        kw["epsilon"] = g.choice([1e-3, 0.0, 1e-5])
    return [x[0], g.leaf(x[1], [c]), g.leaf(x[1], [c], low=0, high=4)], kw, None


@_gen("instanceNormalization")
def _instance_norm(g: Gen, x: Operand):
    c = x[2][1]
    kw: dict[str, Any] = {}
    if g.coin():
        kw["scale"] = g.leaf(x[1], [c])
    if g.coin():
        kw["bias"] = g.leaf(x[1], [c])
    return [x[0]], kw, None


@_gen("layerNormalization")
def _layer_norm(g: Gen, x: Operand):
    rank = len(x[2])
    kw: dict[str, Any] = {}
    if g.coin(0.5):
        axes = sorted({g.randint(0, rank - 1) for _ in range(g.randint(0, rank))}) \
            if rank else []
        kw["axes"] = axes
    else:
        axes = list(range(1, rank))
    pshape = [x[2][a] for a in axes]
    if g.coin():
        kw["scale"] = g.leaf(x[1], pshape)
    if g.coin():
        kw["bias"] = g.leaf(x[1], pshape)
    return [x[0]], kw, None


# ---- reduction


def _axes(g: Gen, rank: int) -> list[int] | None:
    if g.coin(0.3):
        return None
    return sorted({g.randint(0, rank - 1) for _ in range(g.randint(0, rank))}) \
        if rank else []


@_gen("reduceL1", "reduceL2", "reduceLogSum", "reduceLogSumExp", "reduceMax",
      "reduceMean", "reduceMin", "reduceProduct", "reduceSum", "reduceSumSquare")
def _reduce(g: Gen, x: Operand):
    kw: dict[str, Any] = {}
    axes = _axes(g, len(x[2]))
    if axes is not None:
        kw["axes"] = axes
    if g.coin(0.3):
        kw["keep_dimensions"] = True
    return [x[0]], kw, None


@_gen("argMin", "argMax")
def _arg(g: Gen, x: Operand):
    kw: dict[str, Any] = {}
    if g.coin(0.3):
        kw["keep_dimensions"] = True
    if g.coin(0.3):
        kw["output_data_type"] = "int64"
    return [x[0], g.randint(0, max(len(x[2]) - 1, 0))], kw, None


@_gen("cumulativeSum")
def _cumsum(g: Gen, x: Operand):
    kw = {k: True for k in ("exclusive", "reversed") if g.coin(0.3)}
    return [x[0], g.randint(0, max(len(x[2]) - 1, 0))], kw, None


# ---- shape


@_gen("reshape")
def _reshape(g: Gen, x: Operand):
    n = math.prod(x[2])
    dims: list[int] = []
    rest = n
    while rest > 1 and len(dims) < 4:
        divs = [d for d in range(2, rest + 1) if rest % d == 0]
        d = g.choice(divs)
        dims.append(d)
        rest //= d
        if g.coin(0.3):
            dims.append(1)
    if rest > 1:
        dims.append(rest)
    g.rng.shuffle(dims)
    return [x[0], dims], {}, None


@_gen("transpose")
def _transpose(g: Gen, x: Operand):
    rank = len(x[2])
    if g.coin(0.3):
        return [x[0]], {}, None
    return [x[0]], {"permutation": [int(p) for p in g.rng.permutation(rank)]}, None


@_gen("concat")
def _concat(g: Gen, x: Operand):
    rank = len(x[2])
    axis = g.randint(0, rank - 1)
    others = []
    for _ in range(g.randint(1, 2)):
        s = list(x[2])
        s[axis] = g.randint(1, 3)
        others.append(g.leaf(x[1], s))
    items = [x[0], *others]
    g.rng.shuffle(items)
    return [list(items), axis], {}, None


@_gen("slice")
def _slice(g: Gen, x: Operand):
    starts, sizes, strides = [], [], []
    for d in x[2]:
        s = g.randint(0, d - 1)
        st = g.randint(1, 2)
        starts.append(s)
        sizes.append(g.randint(1, (d - s + st - 1) // st))
        strides.append(st)
    kw = {"strides": strides} if any(s != 1 for s in strides) else {}
    return [x[0], starts, sizes], kw, None


@_gen("split")
def _split(g: Gen, x: Operand):
    axis = g.randint(0, len(x[2]) - 1)
    d = x[2][axis]
    if g.coin() and d > 1:
        cut = g.randint(1, d - 1)
        splits: Any = [cut, d - cut]
    else:
        divs = [k for k in range(1, d + 1) if d % k == 0]
        splits = g.choice(divs)
    count = splits if isinstance(splits, int) else len(splits)
    return [x[0], splits], {"axis": axis} if axis else {}, g.randint(0, count - 1)


@_gen("pad")
def _pad(g: Gen, x: Operand):
    rank = len(x[2])
    mode = g.choice(["constant", "edge", "reflection"])
    cap = [d - 1 if mode == "reflection" else 2 for d in x[2]]
    beg = [g.randint(0, min(c, 2)) for c in cap]
    end = [g.randint(0, min(c, 2)) for c in cap]
    kw: dict[str, Any] = {}
    if mode != "constant":
        kw["mode"] = mode
    elif g.coin():
        kw["value"] = g.choice([1, -2, 0.5, float("nan"), float("inf")]
                               if x[1] in FLOATS else [1, 3, 0])
    del rank
    return [x[0], beg, end], kw, None


@_gen("expand")
def _expand(g: Gen, x: Operand):
    extra = [g.randint(1, 3) for _ in range(g.randint(0, 2))]
    new = extra + [g.randint(1, 3) if d == 1 else d for d in x[2]]
    return [x[0], new], {}, None


@_gen("tile")
def _tile(g: Gen, x: Operand):
    return [x[0], [g.randint(1, 2) for _ in x[2]]], {}, None


@_gen("reverse")
def _reverse(g: Gen, x: Operand):
    axes = _axes(g, len(x[2]))
    return [x[0]], ({"axes": axes} if axes is not None else {}), None


@_gen("triangular")
def _triangular(g: Gen, x: Operand):
    kw: dict[str, Any] = {}
    if g.coin():
        kw["upper"] = False
    if g.coin():
        kw["diagonal"] = g.randint(-2, 2)
    return [x[0]], kw, None


# ---- gather / scatter


def _indices(g: Gen, dim: int, shape: Any, dtype: str | None = None) -> Ref:
    dtype = dtype or g.choice(["int32", "int64", "uint32"])
    lo = 0 if dtype.startswith("u") else -dim
    # out-of-range indices are clamped (docs/differences.md, gather...)
    oob = g.coin(0.1)
    return g.leaf(dtype, shape, low=lo - (2 if oob and lo else 0),
                  high=dim - 1 + (2 if oob else 0), special=0)


@_gen("gather")
def _gather(g: Gen, x: Operand):
    rank = len(x[2])
    axis = g.randint(0, rank - 1)
    ishape = g.shape(g.randint(0, 2))
    kw = {"axis": axis} if axis or g.coin() else {}
    return [x[0], _indices(g, x[2][axis], ishape)], kw, None


@_gen("gatherElements")
def _gather_elements(g: Gen, x: Operand):
    axis = g.randint(0, len(x[2]) - 1)
    ishape = [g.randint(1, 3) if i == axis else g.randint(1, d)
              for i, d in enumerate(x[2])]
    return [x[0], _indices(g, x[2][axis], ishape)], {"axis": axis}, None


@_gen("gatherND")
def _gather_nd(g: Gen, x: Operand):
    rank = len(x[2])
    k = g.randint(1, rank)
    batch = g.shape(g.randint(0, 2))
    dt = g.choice(["int32", "int64", "uint32"])
    cols = [random_values(g.rng, dt, (*batch, 1), 0, low=0, high=x[2][j] - 1)
            for j in range(k)]
    idx = np.concatenate(cols, axis=-1)
    return [x[0], g.leaf(dt, idx.shape, value=idx)], {}, None


@_gen("scatterElements")
def _scatter_elements(g: Gen, x: Operand):
    axis = g.randint(0, len(x[2]) - 1)
    ishape = [g.randint(1, d) for d in x[2]]
    return ([x[0], _indices(g, x[2][axis], ishape), g.leaf(x[1], ishape)],
            {"axis": axis}, None)


@_gen("scatterND")
def _scatter_nd(g: Gen, x: Operand):
    rank = len(x[2])
    k = g.randint(1, rank)
    batch = g.shape(g.randint(1, 2), hi=3)
    dt = g.choice(["int32", "int64", "uint32"])
    cols = [random_values(g.rng, dt, (*batch, 1), 0, low=0, high=x[2][j] - 1)
            for j in range(k)]
    idx = np.concatenate(cols, axis=-1)
    upd = (*batch, *x[2][k:])
    return [x[0], g.leaf(dt, idx.shape, value=idx), g.leaf(x[1], upd)], {}, None


# ---- misc


@_gen("where")
def _where(g: Gen, x: Operand):
    cond = g.leaf("uint8", g.broadcast_to(x[2]), low=0, high=2)
    other = g.leaf(x[1], g.broadcast_to(x[2]))
    vals = [x[0], other] if g.coin() else [other, x[0]]
    return [cond, *vals], {}, None


_ALL = ("float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8")


@_gen("cast")
def _cast(g: Gen, x: Operand):
    return [x[0], g.choice(_ALL)], {}, None


@_gen("resample2d")
def _resample(g: Gen, x: Operand):
    kw: dict[str, Any] = {}
    if g.coin(0.5):
        kw["mode"] = "linear"
    rank = len(x[2])
    if g.coin(0.3) and rank >= 2:
        a = g.randint(0, rank - 2)
        kw["axes"] = [a, a + 1]
    if g.coin():
        kw["scales"] = [g.choice([0.5, 1.0, 2.0, 1.5, 3.0]) for _ in range(2)]
    else:
        kw["sizes"] = [g.randint(1, 6), g.randint(1, 6)]
    return [x[0]], kw, None


# ---- quantization


def _block_param_shape(g: Gen, shape: tuple[int, ...]) -> list[int]:
    """A shape each of whose dims divides the input's (blockwise)."""
    out = []
    for d in shape:
        divs = [k for k in range(1, d + 1) if d % k == 0]
        out.append(g.choice(divs))
    return out[len(out) - g.randint(0, len(out)):] if g.coin(0.3) else out


@_gen("quantizeLinear")
def _quantize(g: Gen, x: Operand):
    ps = _block_param_shape(g, x[2])
    zdt = g.choice(["int8", "uint8", "int32", "uint32"])
    scale = g.leaf(x[1], ps, low=0.05, high=2, special=0)
    return [x[0], scale, g.leaf(zdt, ps, special=0)], {}, None


@_gen("dequantizeLinear")
def _dequantize(g: Gen, x: Operand):
    ps = _block_param_shape(g, x[2])
    scale = g.leaf(g.choice(FLOATS), ps, low=0.05, high=2)
    return [x[0], scale, g.leaf(x[1], ps, special=0)], {}, None


# ---- recurrent


def _recurrent(op: str, g: Gen, x: Operand):
    dt = x[1]
    h = g.randint(1, 3)
    gates = 3 if op.startswith("gru") else 4
    cell = op.endswith("Cell")
    kw: dict[str, Any] = {}
    if cell:
        batch, isz = x[2]
        w = g.leaf(dt, [gates * h, isz], low=-1, high=1)
        r = g.leaf(dt, [gates * h, h], low=-1, high=1)
        states = [g.leaf(dt, [batch, h])]
        if op == "lstmCell":
            states.append(g.leaf(dt, [batch, h]))
        if g.coin():
            kw["bias"] = g.leaf(dt, [gates * h])
        if g.coin():
            kw["recurrent_bias"] = g.leaf(dt, [gates * h])
        if op == "lstmCell" and g.coin(0.3):
            kw["peephole_weight"] = g.leaf(dt, [3 * h])
        args = [x[0], w, r, *states, h]
        pick = g.randint(0, 1) if op == "lstmCell" else None
        return args, kw, pick
    steps, batch, isz = x[2]
    nd = 2 if g.coin(0.3) else 1
    if nd == 2:
        kw["direction"] = "both"
    elif g.coin(0.2):
        kw["direction"] = "backward"
    w = g.leaf(dt, [nd, gates * h, isz], low=-1, high=1)
    r = g.leaf(dt, [nd, gates * h, h], low=-1, high=1)
    if g.coin():
        kw["bias"] = g.leaf(dt, [nd, gates * h])
    if g.coin():
        kw["recurrent_bias"] = g.leaf(dt, [nd, gates * h])
    if g.coin():
        kw["initial_hidden_state"] = g.leaf(dt, [nd, batch, h])
    if op == "lstm" and g.coin(0.3):
        kw["initial_cell_state"] = g.leaf(dt, [nd, batch, h])
    if op == "gru" and g.coin(0.3):
        kw["reset_after"] = False
    if g.coin():
        kw["return_sequence"] = True
    n_out = (2 if op == "gru" else 3) if kw.get("return_sequence") else \
        (1 if op == "gru" else 2)
    return [x[0], w, r, steps, h], kw, g.randint(0, n_out - 1)


for _op in ("gru", "lstm", "gruCell", "lstmCell"):
    GENERATORS[_op] = (lambda op: lambda g, x: _recurrent(op, g, x))(_op)


# ------------------------------------------------------------------ chains

#: ranks an op needs that its limits do not say (rank 4 for conv, ...)
_SHAPE_NEEDS: dict[str, Callable[[tuple[int, ...]], bool]] = {
    "gatherElements": lambda s: len(s) >= 1,
    "concat": lambda s: len(s) >= 1,
    "split": lambda s: len(s) >= 1,
}


def _limits(limits: dict[str, Any], op: str) -> dict[str, Any]:
    return limits[to_py_name(op)][to_py_name(KEY[op])]


def accepts(limits: dict[str, Any], op: str, dtype: str, rank: int) -> bool:
    """Whether ``op``'s principal operand may have ``dtype`` and ``rank``."""
    lim = _limits(limits, op)
    rr = lim["rank_range"]
    if dtype not in lim["data_types"] or not rr["min"] <= rank <= rr["max"]:
        return False
    if op in ("gru", "lstm"):
        return rank == 3
    return True


def _start_shape(g: Gen, op: str, rank: int) -> tuple[int, ...]:
    if op in ("gru", "lstm"):
        return (g.randint(1, 3), g.randint(1, 2), g.randint(1, 3))
    if FAMILY[op] == "conv_pool" or op in ("instanceNormalization", "resample2d"):
        return (g.randint(1, 2), g.randint(1, 3), g.randint(1, 5), g.randint(1, 5)
                )[:rank]
    return g.shape(rank, hi=4) if g.coin(0.8) else g.shape(rank, hi=2)


def _start_rank(g: Gen, op: str, lim: dict[str, Any]) -> int:
    lo, hi = lim["rank_range"]["min"], lim["rank_range"]["max"]
    if op in ("gru", "lstm"):
        return 3
    return g.randint(lo, min(hi, max(lo, 4)))


def generate(seed: int, context: webnnpy.MLContext, *, family: str | None = None,
             first_op: str | None = None, max_ops: int = 6,
             stats: dict[str, Any] | None = None) -> Graph | None:
    """A random graph for ``seed``: its first op from ``family`` (or
    ``first_op``), then up to ``max_ops - 1`` more where types and shapes
    allow.  Each call is checked by building as it is added; a call the
    builder refuses (TypeError) is dropped and counted in
    ``stats["builder_errors"]``.  None when not even the first op built."""
    rng = np.random.default_rng(seed)
    limits = context.op_support_limits()
    special = float(rng.choice([0.0, 0.0, 0.05, 0.2, 0.5]))
    g = Gen(rng, special)
    ops_all = [op for op in GENERATORS if to_py_name(op) in limits]
    if first_op is None:
        fam_ops = [op for op in ops_all if family is None or FAMILY[op] == family]
        first_op = g.choice(sorted(fam_ops))
    lim = _limits(limits, first_op)
    dtype = g.choice(lim["data_types"])
    rank = _start_rank(g, first_op, lim)
    x0 = g.leaf(dtype, _start_shape(g, first_op, rank), const=False)
    calls: list[Call] = []
    cur: Operand = (x0, dtype, g.descs[x0.name][1])
    n_ops = 1 + (g.randint(0, max_ops - 1) if max_ops > 1 else 0)
    errors = 0
    for i in range(n_ops):
        if i == 0:
            op = first_op
        else:
            fits = [op for op in ops_all if accepts(limits, op, cur[1], len(cur[2]))
                    and _SHAPE_NEEDS.get(op, lambda s: True)(cur[2])]
            if g.coin(0.15):
                fits = ["cast"]
            if not fits:
                break
            op = g.choice(sorted(fits))
        n_leaves = len(g.leaves)
        try:
            args, kwargs, pick = GENERATORS[op](g, cur)
        except (ValueError, IndexError):
            del g.leaves[n_leaves:]
            errors += 1
            continue
        call = Call(op, args, kwargs, f"v{len(calls)}", pick)
        trial = Graph(list(g.leaves), [*calls, call], [call.out], seed)
        try:
            build(trial, context, finish=False)
        except TypeError as e:
            del g.leaves[n_leaves:]
            errors += 1
            if stats is not None:
                stats.setdefault("builder_error_ops", {}).setdefault(op, 0)
                stats["builder_error_ops"][op] += 1
                stats.setdefault("last_builder_error", {})[op] = str(e)[:200]
            continue
        calls.append(call)
        dt, shape = trial.descs[call.out]
        cur = (Ref(call.out), dt, shape)
    if stats is not None:
        stats["builder_errors"] = stats.get("builder_errors", 0) + errors
    if not calls:
        return None
    graph = Graph(list(g.leaves), calls, [calls[-1].out], seed)
    if len(calls) > 1 and g.coin(0.15):  # sometimes an intermediate is an output too
        graph.outputs.insert(0, calls[g.randint(0, len(calls) - 2)].out)
    build(graph, context, finish=False)
    return graph


# ------------------------------------------------------------------ snippet


def _literal(v: Any) -> str:
    if isinstance(v, Ref):
        return v.name
    if isinstance(v, list):
        return "[" + ", ".join(_literal(x) for x in v) + "]"
    if isinstance(v, float):
        if math.isnan(v):
            return 'float("nan")'
        if math.isinf(v):
            return 'float("inf")' if v > 0 else 'float("-inf")'
    return repr(v)


def array_literal(a: np.ndarray) -> str:
    """``np.array([...], dtype=...).reshape(...)``, exact for every value."""
    if a.dtype.kind == "f":
        items = []
        for x in a.reshape(-1).tolist():
            if math.isnan(x):
                items.append("np.nan")
            elif math.isinf(x):
                items.append("np.inf" if x > 0 else "-np.inf")
            else:
                items.append(repr(x))
    else:
        items = [repr(int(x)) for x in a.reshape(-1).tolist()]
    return (f"np.array([{', '.join(items)}], dtype=np.{a.dtype.name})"
            f".reshape({list(a.shape)})")


def snippet(graph: Graph, backends: tuple[str, ...] = ("numpy", "onnxruntime")
            ) -> str:
    """A runnable Python program that builds ``graph`` and prints its result
    on each of ``backends``."""
    lines = ["import numpy as np", "import webnnpy", "", "",
             "def build(ctx):", "    b = webnnpy.MLGraphBuilder(ctx)"]
    for lf in graph.leaves:
        desc = f'{{"data_type": "{lf.value.dtype}", "shape": {list(lf.value.shape)}}}'
        if lf.const:
            lines.append(f"    {lf.name} = b.constant({desc}, "
                         f"{array_literal(lf.value)})")
        else:
            lines.append(f'    {lf.name} = b.input("{lf.name}", {desc})')
    for c in graph.calls:
        args = [_literal(a) for a in c.args]
        args += [f"{k}={_literal(v)}" for k, v in c.kwargs.items()]
        pick = f"[{c.pick}]" if c.pick is not None else ""
        lines.append(f"    {c.out} = b.{to_py_name(c.op)}({', '.join(args)}){pick}")
    outs = ", ".join(f'"{n}": {n}' for n in graph.outputs)
    lines.append(f"    return b.build({{{outs}}})")
    lines += ["", ""]
    feeds = ", ".join(f'"{lf.name}": {array_literal(lf.value)}'
                      for lf in graph.leaves if not lf.const)
    lines.append(f"feeds = {{{feeds}}}")
    lines.append(f"for name in {list(backends)!r}:")
    lines.append("    ctx = webnnpy.ml.create_context(backend=name)")
    lines.append("    print(name, ctx.compute(build(ctx), feeds))")
    return "\n".join(lines) + "\n"
