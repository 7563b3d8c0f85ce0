"""The browser package's parts that need no browser: install checks, the page
server, the cross-check's data, comparison and table."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import numpy as np
import pytest
from crosscheck.ops import (
    CaseResult,
    agreement_table,
    compare,
    make_feeds,
    with_constants,
)

import webnnpy
from webnnpy.browser import BrowserNotInstalledError, check, find
from webnnpy.browser.install import Installation
from webnnpy.browser.server import PageServer


def test_missing_install_says_how_to_install(tmp_path: Path) -> None:
    inst = check(tmp_path)
    assert not inst.ok
    assert "webnnpy browser install" in inst.problem()
    with pytest.raises(BrowserNotInstalledError, match="webnnpy browser install"):
        find(tmp_path)


def test_missing_libraries_name_the_apt_packages(tmp_path: Path) -> None:
    binary = tmp_path / "chromium"
    binary.write_bytes(b"")
    inst = Installation(tmp_path, binary, "153.0.0", ["libnss3.so", "libexpat.so.1"])
    assert "apt-get install -y libexpat1 libnss3" in inst.problem()


def test_page_server_serves_mounts_and_takes_posts(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "index.html").write_text("hi")
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "model.js").write_text("export const x = 1;")
    server = PageServer(tmp_path / "root")
    try:
        base = server.mount("k", tmp_path / "m")
        with urllib.request.urlopen(server.origin + base + "model.js") as r:
            assert r.headers["Content-Type"].startswith("text/javascript")
            assert r.read() == b"export const x = 1;"
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(server.origin + "/m/k/../../etc/passwd")
        req = urllib.request.Request(server.origin + "/post/k/0", data=b"\x01\x02",
                                     method="POST")
        with urllib.request.urlopen(req) as r:
            assert r.status == 204
        assert server.take_prefix("k/") == {"0": b"\x01\x02"}
    finally:
        server.close()


def _graph(fn, **descs) -> webnnpy.MLGraph:
    ctx = webnnpy.ml.create_context(backend="numpy")
    b = webnnpy.MLGraphBuilder(ctx)
    ins = {n: b.input(n, {"data_type": dt, "shape": s}) for n, (dt, s) in descs.items()}
    return b.build({"y": fn(b, **ins)})


def test_feeds_fit_the_arguments() -> None:
    g = _graph(lambda b, x, i: b.scatter_nd(x, i, b.constant(np.ones(3, np.float32))),
               x=("float32", [3, 4]), i=("int32", [3, 2]))
    feeds = make_feeds(g._ir)
    idx = feeds["i"]
    assert ((idx >= 0) & (idx < [3, 4])).all()
    assert len({tuple(r) for r in idx}) == 3  # unique scatter targets
    g = _graph(lambda b, x: b.log(x), x=("float32", [100]))
    assert (make_feeds(g._ir)["x"] > 0).all()


def test_with_constants_turns_inputs_into_constants() -> None:
    g = _graph(lambda b, x, i: b.gather(x, i), x=("float32", [4]), i=("int32", [2]))
    feeds = make_feeds(g._ir)
    g2 = with_constants(g._ir, ["i"], feeds)
    assert list(g2.inputs) == ["x"]
    const = g2.nodes[0].operands["indices"]
    assert const.is_constant and (const.constant == feeds["i"]).all()


def test_compare_floats_ints_nan_and_scale() -> None:
    ref = np.array([1.0, np.nan, np.inf, 0.0], np.float32)
    assert compare(ref, ref.copy(), "float32")[0]
    assert not compare(ref, np.array([1.0, 0.0, np.inf, 0.0], np.float32),
                       "float32")[0]
    assert not compare(ref, np.array([1.001, np.nan, np.inf, 0], np.float32),
                       "float32")[0]
    # a sum of large terms: the error is judged against the terms' magnitude
    ok, max_abs, _, _ = compare(np.array([0.01], np.float32),
                                np.array([0.0101], np.float32), "float32",
                                scale=np.array([100.0]))
    assert ok and max_abs == pytest.approx(1e-4, rel=1e-2)
    ints = np.array([1, -2], np.int64)
    assert compare(ints, ints.copy(), "int64")[0]
    assert not compare(ints, np.array([1, -3], np.int64), "int64")[0]


def test_table_counts_and_explains() -> None:
    results = [
        CaseResult("exp", "sample", "float32", "agree", 1e-7),
        CaseResult("exp", "special values", "float32", "disagree", np.inf),
        CaseResult("max", "NaN", "float32", "unspecified", np.inf),
        CaseResult("pad", "edge", "float32", "rejected",
                   detail="NotSupportedError during build: edge"),
        CaseResult("abs", "x", "int8", "skipped"),
        CaseResult("tanh", "odd", "float32", "disagree", 1.0),
    ]
    table = agreement_table(results, chromium_version="Chrome/1")
    rows = {line.split(" | ")[0][2:]: line for line in table.splitlines()
            if line.startswith("| ") and not line.startswith("| op")}
    assert rows["exp"].startswith("| exp | 2 | 1 | 1 | 0 | 0 |")
    assert "F4" in rows["exp"]
    assert "F6" in rows["max"] and "R2" in rows["pad"]
    assert "unexplained: float32 odd" in rows["tanh"]
    assert "abs" not in rows
    assert "**F4. exp, log, sqrt" in table
    json.dumps([r.__dict__ for r in results], default=str)
