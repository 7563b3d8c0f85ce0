"""``webnnpy.dtypes.cast_number``: the spec's *cast* (#algorithms-casting).

Hand-computed cases, then a comparison with an exact reference written here
from the spec's ConvertToFloat / ConvertToInt steps (rational arithmetic, no
NumPy, no webnnpy).
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from webnnpy.dtypes import DATA_TYPES, cast_number

F32_MAX = (2 - 2.0**-23) * 2.0**127  # 3.4028234663852886e38

HAND = [
    # ---- ConvertToFloat(x, 32)
    ("float32", 1, 1.0),
    ("float32", 0.1, 0.100000001490116119384765625),
    ("float32", 16777217, 16777216.0),  # 2**24+1: tie, even significand below
    ("float32", 16777219, 16777220.0),  # 2**24+3: tie, even significand above
    ("float32", 2**60 + 2**36, 2.0**60),  # tie -> even (down)
    ("float32", 2**60 + 2**36 + 1, 2.0**60 + 2.0**37),  # just past the tie: up
    ("float32", -(2**60 + 2**36 + 1), -(2.0**60 + 2.0**37)),
    ("float32", 2**60 + 3 * 2**36, 2.0**60 + 2.0**38),  # tie -> even (up)
    ("float32", F32_MAX, F32_MAX),
    ("float32", 2**128 - 2**104, F32_MAX),
    ("float32", 2**128 - 2**103 - 1, F32_MAX),  # just below the midpoint
    ("float32", 2**128 - 2**103, math.inf),  # the midpoint: upperBound is even
    ("float32", 2**128, math.inf),
    ("float32", -(2**128), -math.inf),
    ("float32", 2**1024, math.inf),  # beyond a double's range
    ("float32", -(2**5000), -math.inf),
    ("float32", 1e300, math.inf),
    ("float32", -1e300, -math.inf),
    ("float32", math.inf, math.inf),
    ("float32", 2.0**-149, 2.0**-149),  # the smallest subnormal
    ("float32", 2.0**-150, 0.0),  # half of it: tie -> 0 (even)
    ("float32", 3 * 2.0**-151, 2.0**-149),  # 0.75 of it -> up
    ("float32", 1e-46, 0.0),
    # ---- ConvertToFloat(x, 16)
    ("float16", 1, 1.0),
    ("float16", 2049, 2048.0),
    ("float16", 2051, 2052.0),
    ("float16", 1 / 3, 0.333251953125),
    ("float16", 0.1, 0.0999755859375),
    ("float16", 65504, 65504.0),
    ("float16", 65519, 65504.0),
    ("float16", 65519.99, 65504.0),
    ("float16", 65520, math.inf),  # the midpoint of 65504 and 2**16
    ("float16", -65520.0, -math.inf),
    ("float16", 2**53 + 1, math.inf),
    ("float16", 2.0**-24, 2.0**-24),
    ("float16", 2.0**-25, 0.0),
    ("float16", 2.0**-25 + 2.0**-40, 2.0**-24),
    ("float16", 1.5 * 2.0**-24, 2.0**-23),  # tie between 1 and 2 ulps -> 2
    # ---- ConvertToInt
    ("int32", 2.5, 2), ("int32", 3.5, 4), ("int32", -2.5, -2), ("int32", -3.5, -4),
    ("int32", 0.5, 0), ("int32", -0.5, 0), ("int32", 1.4999999999999998, 1),
    ("int32", 2**31, 2**31 - 1), ("int32", -(2**31) - 1, -(2**31)),
    ("int32", 2147483646.5, 2147483646), ("int32", 2147483647.5, 2147483647),
    ("int32", math.inf, 2**31 - 1), ("int32", -math.inf, -(2**31)),
    ("int32", math.nan, 0), ("int32", -0.0, 0),
    ("uint32", 2**32 - 1, 2**32 - 1), ("uint32", 2**31 + 5, 2**31 + 5),
    ("uint32", 2.0**32, 2**32 - 1), ("uint32", -0.7, 0),
    ("int8", 127.5, 127), ("int8", 126.5, 126), ("int8", -128.5, -128),
    ("int8", -127.5, -128), ("int8", 1000, 127),
    ("uint8", 255.5, 255), ("uint8", 254.5, 254), ("uint8", 256, 255),
    ("uint8", -1, 0), ("uint8", 0.5, 0), ("uint8", 1.5, 2),
    ("int64", 2**63 - 1, 2**63 - 1), ("int64", 2**63, 2**63 - 1),
    ("int64", -(2**63) - 1, -(2**63)), ("int64", 2**53 + 1, 2**53 + 1),
    ("int64", 2.0**63, 2**63 - 1), ("int64", -(2.0**63), -(2**63)),
    ("int64", 9007199254740993.0, 9007199254740992),  # the double is 2**53
    ("int64", -2.5, -2), ("int64", math.nan, 0),
    ("uint64", 2**64 - 1, 2**64 - 1), ("uint64", 2**64, 2**64 - 1),
    ("uint64", 2**200, 2**64 - 1), ("uint64", -(2**70), 0),
    ("uint64", 2.0**64, 2**64 - 1), ("uint64", 18446744073709549568.0,
                                     18446744073709549568),
]


@pytest.mark.parametrize(("dtype", "x", "expected"), HAND)
def test_cast_hand_computed(dtype, x, expected) -> None:
    got = cast_number(x, dtype)
    if dtype.startswith("float"):
        assert isinstance(got, float)
    else:
        assert isinstance(got, int) and not isinstance(got, bool)
    assert got == expected, f"cast({x!r}, {dtype}) = {got!r}, want {expected!r}"


@pytest.mark.parametrize("dtype", ["float32", "float16"])
def test_cast_nan_and_signed_zero(dtype) -> None:
    assert math.isnan(cast_number(math.nan, dtype))
    neg = cast_number(-1e-300, dtype)  # y is +0 and x is negative: -0
    assert neg == 0.0 and math.copysign(1, neg) == -1
    assert math.copysign(1, cast_number(-0.0, dtype)) == -1
    assert math.copysign(1, cast_number(0, dtype)) == 1
    assert math.copysign(1, cast_number(1e-300, dtype)) == 1


def test_cast_integer_results_are_never_negative_zero() -> None:
    for dtype in ("int32", "uint8", "int64"):
        assert math.copysign(1, cast_number(-0.0, dtype)) == 1
        assert math.copysign(1, cast_number(-0.4, dtype)) == 1


# ----------------------------------------------------- an exact reference

_FLOAT = {"float32": (24, -126, 2**128), "float16": (11, -14, 2**16)}
_INT = {"int8": (-(2**7), 2**7 - 1), "uint8": (0, 2**8 - 1),
        "int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1),
        "int64": (-(2**63), 2**63 - 1), "uint64": (0, 2**64 - 1),
        "int4": (-(2**3), 2**3 - 1), "uint4": (0, 2**4 - 1)}  # the extension


def _round_half_even(q: Fraction) -> int:
    f = math.floor(q)
    r = q - f
    if r > Fraction(1, 2) or (r == Fraction(1, 2) and f % 2 == 1):
        return f + 1
    return f


def ref_convert_to_float(x: int | float, dtype: str) -> float:
    """ConvertToFloat(x, bits) over exact rationals, as the spec writes it."""
    if isinstance(x, float) and math.isnan(x):
        return math.nan
    if isinstance(x, float) and math.isinf(x):
        return x
    bits, emin, upper = _FLOAT[dtype]
    q = Fraction(x)
    a = abs(q)
    if a == 0:
        return math.copysign(0.0, x) if isinstance(x, float) else 0.0
    if a >= upper:  # every candidate is upperBound or beyond
        return math.inf if q > 0 else -math.inf
    e = a.numerator.bit_length() - a.denominator.bit_length()  # within 1
    while Fraction(2) ** e > a:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    e = max(e, emin)  # subnormals share the smallest normal exponent's ulp
    ulp = Fraction(2) ** (e - bits + 1)
    k = _round_half_even(a / ulp)  # ties go to the even significand
    y = k * ulp
    if y >= upper:  # rounded to upperBound
        return math.inf if q > 0 else -math.inf
    if y == 0:
        return -0.0 if q < 0 else 0.0
    return float(y) if q > 0 else -float(y)


def ref_convert_to_int(x: int | float, dtype: str) -> int:
    """ConvertToInt(x, bits, signedness): clamp, then round half to even."""
    lo, hi = _INT[dtype]
    if isinstance(x, float) and math.isnan(x):
        return 0
    if isinstance(x, float) and math.isinf(x):
        return hi if x > 0 else lo
    q = min(max(Fraction(x), Fraction(lo)), Fraction(hi))
    return _round_half_even(q)


def _samples(seed: int) -> list[int | float]:
    rng = random.Random(seed)
    out: list[int | float] = []
    for _ in range(400):
        e = rng.randint(-160, 140)
        out.append(rng.uniform(-1, 1) * 2.0**e)
        b = rng.randint(1, 140)
        n = rng.getrandbits(b)
        out.append(n if rng.random() < 0.5 else -n)
        # near a float32 rounding midpoint: 24 significant bits + a half ulp +- 1
        m = rng.getrandbits(24) | (1 << 23)
        shift = rng.randint(30, 100)
        mid = (2 * m + 1) << (shift - 1)
        out.extend([mid - 1, mid, mid + 1])
        out.append(rng.uniform(-300, 300) + rng.choice([0.5, 0.0, 0.25]))
    out.extend([0, 1, -1, 0.0, 2**64, -(2**64), 2**53 + 1, 65504.5])
    return out


@pytest.mark.parametrize("dtype", DATA_TYPES)
def test_cast_matches_exact_reference(dtype) -> None:
    for x in _samples(hash(dtype) % 1000):
        got = cast_number(x, dtype)
        if dtype in _FLOAT:
            want = ref_convert_to_float(x, dtype)
            same = (got == want and math.copysign(1, got) == math.copysign(1, want)
                    ) or (math.isnan(got) and math.isnan(want))
        else:
            want = ref_convert_to_int(x, dtype)
            same = got == want
        assert same, f"cast({x!r}, {dtype}) = {got!r}, reference {want!r}"


def test_reference_agrees_with_the_hand_table() -> None:
    # the reference itself is checked against the hand-computed cases
    for dtype, x, expected in HAND:
        ref = (ref_convert_to_float(x, dtype) if dtype in _FLOAT
               else ref_convert_to_int(x, dtype))
        assert ref == expected or (math.isnan(ref) and math.isnan(expected)), (
            dtype, x, ref, expected)


def test_cast_numpy_scalars_like_python_numbers() -> None:
    import numpy as np

    assert cast_number(np.float32(3.5), "int32") == 4  # half to even, not truncation
    assert cast_number(np.float32(2.5), "int32") == 2
    assert cast_number(np.float64("nan"), "int8") == 0
    assert cast_number(np.uint64(2**64 - 1), "uint64") == 2**64 - 1  # exact
    assert cast_number(np.int64(2**60 + 2**36 + 1), "float32") == 2.0**60 + 2.0**37
    assert cast_number(np.float16(65504), "float16") == 65504.0
