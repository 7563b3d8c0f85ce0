"""The ``webnnpy`` command line.

``webnnpy info`` shows the version, the spec commit, the backends and what a
default context would use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

__all__ = ["main"]


def _info(args: argparse.Namespace) -> int:
    import webnnpy
    from webnnpy.backends import available_backends, default_backend_name

    print(f"webnnpy {webnnpy.__version__}")
    print(f"WebNN spec: webmachinelearning/webnn@{webnnpy.SPEC_COMMIT[:12]}")
    print("backends:")
    for name, ok in available_backends().items():
        line = f"  {name:12s} {'available' if ok else 'not installed'}"
        if ok:
            try:
                ctx = webnnpy.ml.create_context(backend=name)
                limits = ctx.op_support_limits()
                n_ops = sum(1 for k, v in limits.items() if isinstance(v, dict)
                            and k not in ("input", "constant", "output"))
                line += f" - {ctx._backend.describe()}; {n_ops} operators"
                ctx.destroy()
            except Exception as e:  # noqa: BLE001 - report, don't crash
                line += f" - failed to start: {e}"
        print(line)
    for acc in (True, False):
        name = default_backend_name(acc)
        try:
            ctx = webnnpy.ml.create_context(accelerated=acc)
            what = ctx._backend.describe()
            ctx.destroy()
        except Exception as e:  # noqa: BLE001 - report, don't crash
            what = f"failed to start: {e}"
        print(f"default context (accelerated={acc}): {name} - {what}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``webnnpy`` command."""
    parser = argparse.ArgumentParser(prog="webnnpy", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("info", help="version, backends, what a context would use")
    p.set_defaults(func=_info)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
