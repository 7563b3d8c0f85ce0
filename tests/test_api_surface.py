"""The Python surface matches our table of the spec's API (generated from the
spec at the commit it records): every interface member, every builder method
with its arguments (operands positional, options keyword-only with the spec's
defaults), every dictionary member as a keyword, and nothing else undeclared.
"""

from __future__ import annotations

import inspect
import json

import pytest

import webnnpy
from webnnpy._spec import api_table, to_idl_name, to_py_name
from webnnpy.api.apidiff import DIFFERENCES, declared

TABLE = api_table()
CLASSES = {
    "ML": webnnpy.ML,
    "MLContext": webnnpy.MLContext,
    "MLGraphBuilder": webnnpy.MLGraphBuilder,
    "MLOperand": webnnpy.MLOperand,
    "MLGraph": webnnpy.MLGraph,
    "MLTensor": webnnpy.MLTensor,
}
PROMISE_METHODS = {
    ("ML", "createContext"), ("MLContext", "createTensor"),
    ("MLContext", "createConstantTensor"), ("MLContext", "readTensor"),
    ("MLGraphBuilder", "build"),
}
OPERATORS = [op for op in TABLE["ops"] if op not in ("input", "constant", "build")]


def _public(cls: type) -> set[str]:
    return {n for n in dir(cls) if not n.startswith("_")}


@pytest.mark.parametrize("iface", sorted(CLASSES))
def test_interface_members_exist(iface):
    cls = CLASSES[iface]
    spec = TABLE["interfaces"][iface]
    for m in spec["methods"]:
        assert hasattr(cls, to_py_name(m)), f"{iface}.{m} -> {to_py_name(m)} missing"
        if (iface, m) in PROMISE_METHODS:
            ann = inspect.signature(getattr(cls, to_py_name(m) + "_async")).return_annotation
            assert str(ann).startswith("MLPromise"), f"{iface}.{m}_async"
    for a in spec["attributes"]:
        assert isinstance(getattr(cls, to_py_name(a)), property), f"{iface}.{a}"


@pytest.mark.parametrize("iface", sorted(CLASSES))
def test_no_undeclared_additions(iface):
    cls = CLASSES[iface]
    spec = TABLE["interfaces"][iface]
    expected = {to_py_name(n) for n in spec["methods"] + spec["attributes"]}
    expected |= {to_py_name(m) + "_async" for (i, m) in PROMISE_METHODS if i == iface}
    for name in sorted(_public(cls) - expected):
        assert declared(f"{iface}.{name}"), f"{iface}.{name} is not in the spec and not declared in apidiff"


def test_only_async_methods_return_promises():
    for iface, cls in CLASSES.items():
        for name in _public(cls):
            attr = inspect.getattr_static(cls, name)
            ann = inspect.signature(attr).return_annotation if callable(attr) else ""
            is_async = str(ann).startswith("MLPromise")
            assert is_async == name.endswith("_async"), f"{iface}.{name}"


def _spec_default(member: dict):
    d = member["default"]
    return None if d is None else d


def _options(op: str) -> dict[str, dict]:
    entry = TABLE["ops"][op]
    return entry.get("options") or {}


@pytest.mark.parametrize("op", OPERATORS)
def test_builder_method_signature(op):
    entry = TABLE["ops"][op]
    method = getattr(webnnpy.MLGraphBuilder, to_py_name(op), None)
    assert method is not None, f"MLGraphBuilder.{to_py_name(op)} missing"
    params = list(inspect.signature(method).parameters.values())[1:]
    positional = [a["name"] for a in entry["arguments"] if a["name"] != "options"]
    got_pos = [p.name for p in params if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert got_pos == [to_py_name(n) for n in positional], f"{op} positional args"
    kw = {p.name: p for p in params if p.kind is p.KEYWORD_ONLY}
    options = _options(op)
    assert set(kw) == {to_py_name(n) for n in options}, f"{op} options"
    for name, member in options.items():
        default = kw[to_py_name(name)].default
        spec = _spec_default(member)
        if isinstance(spec, float) or isinstance(default, float):
            assert default == pytest.approx(spec), f"{op}.{name}"
        else:
            assert default == spec, f"{op}.{name}: {default!r} != spec {spec!r}"


@pytest.mark.parametrize("op", OPERATORS)
def test_builder_method_documented(op):
    method = getattr(webnnpy.MLGraphBuilder, to_py_name(op))
    doc = inspect.getdoc(method) or ""
    assert len(doc.splitlines()[0]) > 10, f"{op} has no summary line"
    src = inspect.getsource(method)
    assert "# Spec:" in inspect.getsource(inspect.getmodule(method)), op
    assert f'"{op}"' in src, f"{op}: method does not record op {op!r}"


def test_create_context_options_match_dictionary():
    params = inspect.signature(webnnpy.ML.create_context).parameters
    members = TABLE["dictionaries"]["MLContextOptions"]["members"]
    for name, m in members.items():
        assert params[to_py_name(name)].default == m["default"]
    extra = set(params) - {"self"} - {to_py_name(n) for n in members}
    for e in extra:
        assert declared(f"ML.create_context({e})")


def test_descriptor_dictionaries():
    for cls, dname in ((webnnpy.MLOperandDescriptor, "MLOperandDescriptor"),
                       (webnnpy.MLTensorDescriptor, "MLTensorDescriptor")):
        members = dict(TABLE["dictionaries"][dname]["members"])
        parent = TABLE["dictionaries"][dname]["inherits"]
        if parent:
            members.update(TABLE["dictionaries"][parent]["members"])
        fields = set(inspect.signature(cls).parameters)
        assert fields == {to_py_name(n) for n in members}


def test_op_support_limits_members():
    ctx = webnnpy.ml.create_context(backend="numpy")
    limits = ctx.op_support_limits()
    members = TABLE["dictionaries"]["MLOpSupportLimits"]["members"]
    assert set(limits) == {to_py_name(n) for n in members}
    for op in OPERATORS:
        dname = TABLE["ops"][op]["limits_dictionary"]
        keys = set(TABLE["dictionaries"][dname]["members"])
        assert set(limits[to_py_name(op)]) == {to_py_name(k) for k in keys}, op
    ctx.destroy()


def test_names_round_trip():
    names = set(TABLE["ops"])
    for d in TABLE["dictionaries"].values():
        names |= set(d["members"])
    for n in names:
        assert to_idl_name(to_py_name(n)) == n


def test_differences_are_well_formed():
    wheres = [d.where for d in DIFFERENCES]
    assert len(wheres) == len(set(wheres))
    for d in DIFFERENCES:
        assert d.kind in ("add", "change", "hide") and len(d.reason) > 20


def test_table_is_stamped():
    assert len(TABLE["spec_commit"]) == 40
    json.dumps(TABLE)  # plain data


def test_enum_classes_hold_every_spec_value():
    import webnnpy.enums as enums

    for name, values in TABLE["enums"].items():
        cls = getattr(enums, name)
        got = {v for k, v in vars(cls).items() if not k.startswith("_")}
        assert got == set(values), name


def test_enum_typed_options_use_the_spec_enum():
    """Every builder option typed by a spec enum rejects a value outside it,
    naming the enum (checked on a valid call of each op from the samples)."""
    import importlib


    samples = {}
    for fam in ("conv_pool", "matmul_norm", "shape", "misc", "recurrent",
                "reduction"):
        samples.update(importlib.import_module(f"samples.{fam}").SAMPLES)
    checked = 0
    for op, entry in TABLE["ops"].items():
        for name, member in (entry.get("options") or {}).items():
            enum = member["type"]
            if enum not in TABLE["enums"] or op not in samples:
                continue
            ctx = webnnpy.ml.create_context(backend="numpy")
            b = webnnpy.MLGraphBuilder(ctx)
            method = getattr(b, to_py_name(op))
            original = method

            def patched(*args, _m=original, _n=name, **kw):
                kw[to_py_name(_n)] = "not-a-value"
                return _m(*args, **kw)

            setattr(b, to_py_name(op), patched)
            sample = samples[op]
            dtype = "float32"
            with pytest.raises(TypeError, match=enum):
                sample.fn(b, dtype, 4 if op in ("conv2d", "convTranspose2d",
                                                "averagePool2d", "l2Pool2d",
                                                "maxPool2d", "resample2d",
                                                "instanceNormalization") else 3)
            checked += 1
            ctx.destroy()
    assert checked >= 10
