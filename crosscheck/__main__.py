"""``python -m crosscheck``: see :mod:`crosscheck.ops`."""

import sys

from crosscheck.ops import main

sys.exit(main())
