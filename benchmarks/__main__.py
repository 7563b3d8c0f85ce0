"""``python -m benchmarks``: run the benchmark harness (see :mod:`benchmarks.run`);
``python -m benchmarks --zoo``: the model zoo (see :mod:`benchmarks.zoo`)."""

from __future__ import annotations

import sys

from benchmarks.run import main

if __name__ == "__main__":
    if "--zoo" in sys.argv[1:]:
        from benchmarks.zoo import main as zoo_main

        sys.exit(zoo_main([a for a in sys.argv[1:] if a != "--zoo"]))
    sys.exit(main())
