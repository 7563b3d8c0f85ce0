"""Derive ``src/webnnpy/_spec/api_table.json`` from the spec digest.

The digest (``../shared/spec/spec_ops.json`` beside the checkout, or a path given
as the first argument) was read from ``webmachinelearning/webnn`` ``index.bs``;
its commit is copied into the table so that every consumer knows which spec text
the table reflects.  Run ``python codegen/read_spec_digest.py`` after the digest
changes; CI checks that the committed table is what this script writes.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "webnnpy" / "_spec" / "api_table.json"
DEFAULT_DIGEST = ROOT.parent / "shared" / "spec" / "spec_ops.json"


#: Corrections of evident slips in the digest/spec tables, each with its reason.
#: (op, operand name or "output") -> allowed data types.
SPEC_FIXES: dict[tuple[str, str], list[str]] = {
    # The isNaN/isInfinite tensor-limits table says "any", but the method steps
    # (#api-mlgraphbuilder-logical) throw unless a is float32 or float16.
    ("isNaN", "a"): ["float32", "float16"],
    ("isInfinite", "a"): ["float32", "float16"],
}


#: (op, output limits key) -> allowed ranks, where the table contradicts the steps.
OUTPUT_RANK_FIXES: dict[tuple[str, str], list[int | None]] = {
    # gather's table says output rank "1 to N", but its steps give rank
    # input.rank - 1 + indices.rank, which is 0 for a 1-D input and scalar
    # indices (the spec's own examples include that case).
    ("gather", "output"): [0, None],
}


def _ranks(r: dict | None) -> list[int | None] | None:
    if r is None:
        return None
    return [r["min"], r["max"]]


def _limits_key(name: str) -> str:
    m = re.fullmatch(r"outputs\[(\d+)\]", name)
    return f"output{m.group(1)}" if m else name


def build_table(digest: dict) -> dict:
    dicts = digest["dictionary_details"]
    ops = {}
    for name, op in digest["ops"].items():
        entry: dict = {
            "family": op.get("family"),
            "section": op.get("spec_section_id"),
            "arguments": [
                {k: a[k] for k in ("name", "type", "optional") if k in a}
                for a in op.get("arguments", [])
            ],
            "returns": op.get("output"),
        }
        if "overloads" in op:
            entry["overloads"] = op["overloads"]
        opt_dict = op.get("options_dictionary")
        entry["options_dictionary"] = opt_dict
        if opt_dict:
            members = dict(dicts[opt_dict]["members"])
            parent = dicts[opt_dict].get("inherits")
            while parent:
                members = {**dicts[parent]["members"], **members}
                parent = dicts[parent].get("inherits")
            entry["options"] = {
                k: {"type": v["type"], "default": v["default"]}
                for k, v in members.items()
            }
        lim = op.get("op_support_limits") or {}
        entry["limits_dictionary"] = lim.get("dictionary")
        limit_members = list(dicts.get(lim.get("dictionary") or "", {}).get(
            "members", {}))
        operands = []
        for i, inp in enumerate(op.get("inputs", [])):
            key = inp["name"]
            if limit_members and key not in limit_members:
                key = limit_members[i]  # logicalNot/isNaN/isInfinite call it "a"
            operands.append({
                "name": inp["name"],
                "limits_key": key,
                "kind": inp["kind"],
                "optional": inp["optional"],
                "data_types": SPEC_FIXES.get((name, inp["name"]),
                                             inp["allowed_data_types"]),
                "same_type_as": inp.get("same_type_as"),
                "ranks": _ranks(inp.get("allowed_ranks")),
                "required_data_types": inp.get("required_data_types"),
                "required_ranks": _ranks(inp.get("required_ranks")),
            })
        entry["operands"] = operands
        outputs = []
        for out in op.get("output_constraints", []):
            key = _limits_key(out["operand"])
            fixed = OUTPUT_RANK_FIXES.get((name, key))
            outputs.append({
                "limits_key": key,
                "data_types": out["allowed_data_types"],
                "same_type_as": out.get("same_type_as"),
                "ranks": fixed or _ranks(out.get("allowed_ranks")),
                "same_rank_as": out.get("same_rank_as"),
                "required_data_types": out.get("required_data_types"),
                "required_ranks": _ranks(out.get("required_ranks")),
            })
        entry["outputs"] = outputs
        ops[name] = entry
    return {
        "generated_by": "codegen/read_spec_digest.py (DO NOT EDIT)",
        "spec_commit": digest["spec_commit"],
        "spec_date": digest.get("spec_date"),
        "spec_source": digest.get("source"),
        "enums": digest["enums"],
        "interfaces": {
            k: {"methods": v["methods"], "attributes": v["attributes"],
                "method_signatures": v["method_signatures"]}
            for k, v in digest["interfaces"].items()
        },
        "dictionaries": {
            k: {"inherits": v.get("inherits"),
                "members": {m: {"type": mv["type"], "required": mv["required"],
                                "default": mv["default"]}
                            for m, mv in v["members"].items()}}
            for k, v in dicts.items()
        },
        "ops": ops,
    }


ENUMS_PY = ROOT / "src" / "webnnpy" / "enums.py"


def enums_module(table: dict) -> str:
    """``webnnpy/enums.py``: one class per spec enum, for autocompletion; the
    API takes and returns the plain strings."""
    lines = ['"""The spec\'s enums as classes of string constants (for autocompletion).',
             "",
             "GENERATED by codegen/read_spec_digest.py - DO NOT EDIT.  Every API takes",
             "and returns the plain strings: ``MLInputOperandLayout.nhwc == \"nhwc\"``.",
             '"""', "", "from __future__ import annotations", "",
             "from typing import Final", "",
             "__all__ = [", *[f'    "{n}",' for n in sorted(table["enums"])],
             "]", ""]
    for name, values in table["enums"].items():
        lines += ["", f"class {name}:",
                  f'    """The values of the spec\'s ``{name}`` enum."""', ""]
        for v in values:
            attr = v.replace("-", "_")
            lines.append(f'    {attr}: Final = "{v}"')
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description="Generate src/webnnpy/_spec/"
                                 "api_table.json and src/webnnpy/enums.py from the "
                                 "spec digest.")
    ap.add_argument("digest", nargs="?", type=Path, default=DEFAULT_DIGEST,
                    help=f"the digest's spec_ops.json (default: {DEFAULT_DIGEST})")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 "
                    "and name each file that differs from what would be written")
    args = ap.parse_args()
    if not args.digest.exists():
        print(f"read_spec_digest: {args.digest} does not exist", file=sys.stderr)
        return 2
    table = build_table(json.loads(args.digest.read_text()))
    text = json.dumps(table, indent=1, sort_keys=False) + "\n"
    enums = enums_module(table)
    if args.check:
        stale = [str(p.relative_to(ROOT)) for p, want in ((OUT, text),
                                                          (ENUMS_PY, enums))
                 if p.read_text() != want]
        for name in stale:
            print(f"{name} is out of date: run python codegen/read_spec_digest.py")
        return 1 if stale else 0
    OUT.write_text(text)
    ENUMS_PY.write_text(enums)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(table['ops'])} ops, "
          f"spec {table['spec_commit'][:12]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
