"""A real browser WebNN (Chromium's) for cross-checks: optional, never needed
by ``import webnnpy``.

- :func:`install` puts the WebNN-capable Chromium (the npm package
  ``@sparticuz/chromium@153.0.0``) into a cache folder (needs node and npm;
  the system libraries ``libnss3`` and ``libexpat1`` are the user's business,
  and :func:`check` reports them missing);
- :class:`Browser` starts it headless and drives it over the DevTools pipe;
  ``Browser.run_module(js_dir, inputs)`` runs a module written by
  :func:`webnnpy.models.javascript.export` and returns numpy arrays;
- :func:`run_module` and :func:`op_support_limits` do the same with a
  browser of their own (start-up costs about 2 s).

``python -m crosscheck`` (a folder of the source tree, not of the package)
compares every op with webnnpy.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from webnnpy.browser.install import (
    NPM_PACKAGE,
    NPM_VERSION,
    BrowserNotInstalledError,
    Installation,
    check,
    default_cache_dir,
    find,
    install,
)
from webnnpy.browser.session import Browser, BrowserError, JSError

__all__ = [
    "NPM_PACKAGE",
    "NPM_VERSION",
    "Browser",
    "BrowserError",
    "BrowserNotInstalledError",
    "Installation",
    "JSError",
    "check",
    "default_cache_dir",
    "find",
    "install",
    "op_support_limits",
    "run_module",
]


def run_module(js_dir: str | os.PathLike[str], inputs: Mapping[str, np.ndarray], *,
               context_options: Mapping[str, Any] | None = None,
               cache_dir: str | os.PathLike[str] | None = None
               ) -> dict[str, np.ndarray]:
    """Run an exported module once in a fresh browser; outputs by name."""
    with Browser(cache_dir) as browser:
        return browser.run_module(js_dir, inputs, context_options=context_options)


def op_support_limits(context_options: Mapping[str, Any] | None = None, *,
                      cache_dir: str | os.PathLike[str] | None = None
                      ) -> dict[str, Any]:
    """Chromium's ``MLContext.opSupportLimits()`` as JSON data."""
    with Browser(cache_dir) as browser:
        return browser.op_support_limits(context_options)
