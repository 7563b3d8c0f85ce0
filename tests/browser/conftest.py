"""One headless Chromium (with WebNN) per test session, or a clear skip.

The browser is optional (``webnnpy browser install``).  ``WEBNNPY_BROWSER``:

- unset: run the browser tests if it is installed, else skip them saying how
  to install it;
- ``install``: install it first (npm and node needed; without them the tests
  skip, saying so);
- ``require``: like ``install``, but a browser that cannot be installed or
  started fails the tests instead of skipping them (for CI jobs that must
  run them).  Under ``CI=true`` the same holds whatever the mode.

``WEBNNPY_BROWSER_DIR`` chooses the install folder.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest

from webnnpy.browser import Browser, BrowserError, BrowserNotInstalledError, install

MODE = os.environ.get("WEBNNPY_BROWSER", "").strip().lower()


#: under CI=true the browser is a required part: unavailable fails
CI = os.environ.get("CI", "").strip().lower() == "true"


def _unavailable(why: str) -> None:
    if MODE == "require" or CI:
        pytest.fail(f"{'CI=true' if CI else 'WEBNNPY_BROWSER=require'} but {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """A started Browser shared by the session's browser tests."""
    if MODE in ("install", "require"):
        if shutil.which("npm") is None or shutil.which("node") is None:
            _unavailable("installing the WebNN browser needs npm and node, which "
                         "are not on PATH")
        try:
            install()
        except BrowserNotInstalledError as e:
            _unavailable(f"installing the WebNN browser failed: {e}")
    try:
        b = Browser()
    except BrowserNotInstalledError as e:
        _unavailable(f"Chromium with WebNN is not available ({e}); install it with "
                     f"`webnnpy browser install` or set WEBNNPY_BROWSER=install")
    try:
        b.start()
    except BrowserError as e:
        _unavailable(f"the WebNN browser did not start: {e}")
    yield b
    b.close()
