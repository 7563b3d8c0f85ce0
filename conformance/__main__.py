"""``python -m conformance``: run WPT's WebNN tests against webnnpy."""

import sys

from conformance.wpt import main

sys.exit(main())
