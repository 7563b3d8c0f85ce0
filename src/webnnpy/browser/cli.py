"""``webnnpy browser install | info | run``: the optional real-browser WebNN.

- ``install [--cache-dir DIR] [--force]``: npm-install the WebNN-capable
  Chromium into the cache folder and unpack it;
- ``info [--limits]``: where it is, whether it can start here (missing system
  libraries are named with the apt packages to install), its version, whether
  ``navigator.ml.createContext()`` works, and (``--limits``) its
  ``opSupportLimits()`` as JSON;
- ``run DIR --input name=file.npy ... [--save OUTDIR]``: run an exported
  module (``webnnpy export ... --js DIR``) and print (or save as ``.npy``) the
  outputs.

The lead wires :func:`browser_main` into the ``webnnpy`` command.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["browser_main"]


def _install(args: argparse.Namespace) -> int:
    from webnnpy.browser.install import BrowserNotInstalledError, install

    try:
        inst = install(args.cache_dir, force=args.force)
    except BrowserNotInstalledError as e:
        print(f"webnnpy browser install: {e}", file=sys.stderr)
        return 2
    print(f"installed Chromium ({inst.version}) at {inst.binary}")
    problem = inst.problem()
    if problem:
        print(f"warning: {problem}", file=sys.stderr)
        return 1
    return 0


def _info(args: argparse.Namespace) -> int:
    from webnnpy.browser.install import check
    from webnnpy.browser.session import Browser, BrowserError, JSError

    inst = check(args.cache_dir)
    print(f"cache folder: {inst.cache_dir}")
    print(f"binary:       {inst.binary} "
          f"({'present' if inst.binary.is_file() else 'absent'})")
    problem = inst.problem()
    if problem:
        print(f"not usable:   {problem}")
        return 1
    try:
        with Browser(args.cache_dir) as b:
            print(f"browser:      {b.version}")
            limits = b.op_support_limits()
    except (BrowserError, JSError) as e:
        print(f"WebNN:        does not work: {e}")
        return 1
    n_ops = sum(1 for k, v in limits.items() if isinstance(v, dict)
                and k not in ("input", "constant", "output"))
    print(f"WebNN:        createContext() works; {n_ops} operators; preferred "
          f"input layout {limits.get('preferredInputLayout')}")
    if args.limits:
        print(json.dumps(limits, indent=1, sort_keys=True))
    return 0


def _run(args: argparse.Namespace) -> int:
    from webnnpy.browser.session import Browser, BrowserError, JSError

    if not (Path(args.dir) / "model.js").is_file():  # before starting a browser
        print(f"webnnpy browser run: {args.dir}: no model.js there (webnnpy export "
              f"... --js {args.dir} writes one)", file=sys.stderr)
        return 2
    inputs = {}
    for item in args.input:
        name, sep, path = item.partition("=")
        if not sep:
            print(f"--input {item!r}: expected NAME=FILE.npy", file=sys.stderr)
            return 2
        inputs[name] = np.load(path)
    options = json.loads(args.context_options) if args.context_options else None
    try:
        with Browser(args.cache_dir) as b:
            outputs = b.run_module(args.dir, inputs, context_options=options)
    except JSError as e:
        print(f"webnnpy browser run: {e}", file=sys.stderr)
        return 1
    except BrowserError as e:
        print(f"webnnpy browser run: {e}", file=sys.stderr)
        return 2
    if args.save:
        out = Path(args.save)
        out.mkdir(parents=True, exist_ok=True)
    for name, arr in outputs.items():
        print(f"{name}: {arr.dtype}{list(arr.shape)}")
        if args.save:
            safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
            np.save(out / f"{safe}.npy", arr)
        else:
            with np.printoptions(threshold=50, edgeitems=3):
                print(arr)
    return 0


def browser_main(argv: Sequence[str] | None = None) -> int:
    """``webnnpy browser install|info|run``."""
    from webnnpy.browser.install import BrowserNotInstalledError

    p = argparse.ArgumentParser(prog="webnnpy browser",
                                description="Chromium's WebNN, for cross-checks.")
    p.add_argument("--cache-dir", default=None,
                   help="the browser's folder (default: $WEBNNPY_BROWSER_DIR or "
                        "~/.cache/webnnpy/chromium)")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("install", help="install the browser (needs node and npm)")
    s.add_argument("--force", action="store_true", help="reinstall")
    s.set_defaults(func=_install)
    s = sub.add_parser("info", help="is it installed, does WebNN work")
    s.add_argument("--limits", action="store_true",
                   help="print opSupportLimits() as JSON")
    s.set_defaults(func=_info)
    s = sub.add_parser("run", help="run an exported module")
    s.add_argument("dir", help="the folder with model.js and weights.bin")
    s.add_argument("--input", action="append", default=[], metavar="NAME=FILE.npy")
    s.add_argument("--save", metavar="OUTDIR", help="save outputs as .npy files")
    s.add_argument("--context-options", metavar="JSON",
                   help='MLContextOptions, e.g. \'{"powerPreference": "low-power"}\'')
    s.set_defaults(func=_run)
    args = p.parse_args(argv)
    try:
        return int(args.func(args))
    except BrowserNotInstalledError as e:
        print(f"webnnpy browser {args.command}: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(browser_main())
