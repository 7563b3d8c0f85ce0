"""``ML`` and ``webnnpy.ml``, the Python counterpart of ``navigator.ml``."""

from __future__ import annotations

import os
from typing import Any

from webnnpy.api.context import MLContext
from webnnpy.api.promise import MLPromise
from webnnpy.backends import ENV_VAR, backend_class, default_backend_name
from webnnpy.errors import NotSupportedError
from webnnpy.ir.checks import as_bool, as_enum

__all__ = ["ML", "ml"]


# Spec: interface ML #api-ml
class ML:
    """Entry point of the API: ``webnnpy.ml.create_context()``."""

    def _context_promise(self, power_preference: Any, accelerated: Any,
                         backend: str | None) -> MLPromise[MLContext]:
        try:
            pp = as_enum("create_context", "powerPreference", power_preference,
                         "MLPowerPreference")
            acc = as_bool("create_context", "accelerated", accelerated)
        except TypeError as e:
            return MLPromise.rejected(e)
        name = backend or default_backend_name(acc)
        try:
            cls = backend_class(name)
            impl = cls(power_preference=pp, accelerated=acc)
        except (ValueError, ImportError) as e:
            source = ("" if backend else
                      f" (from ${ENV_VAR})" if os.environ.get(ENV_VAR) else "")
            err = NotSupportedError(f"create_context: backend {name!r}{source} is "
                                    f"not available: {e}")
            err.__cause__ = e
            return MLPromise.rejected(err)
        p: MLPromise[MLContext] = MLPromise()
        p.resolve(MLContext(impl, power_preference=pp, accelerated=acc))
        return p

    # Spec: Promise<MLContext> createContext(optional MLContextOptions options = {})
    def create_context(self, *, power_preference: str = "default",
                       accelerated: bool = True, backend: str | None = None
                       ) -> MLContext:
        """Create a context (MLContextOptions as keyword arguments).

        Args:
            power_preference: "default", "high-performance" or "low-power".
            accelerated: ask for a massively parallel device (GPU/NPU); False
                prefers the CPU.
            backend: a declared addition: the runtime to use by registry name
                ("numpy" is the exact reference; the default is the fastest
                installed one, or ``$WEBNNPY_BACKEND``).

        Raises:
            TypeError: an invalid option value.
            NotSupportedError: the backend is unknown or its runtime missing.
        """
        return self._context_promise(power_preference, accelerated, backend).result()

    def create_context_async(self, *, power_preference: str = "default",
                                   accelerated: bool = True,
                                   backend: str | None = None) -> MLPromise[MLContext]:
        """Awaitable form of :meth:`create_context`: validates and queues the work on
        the timeline now, as the spec's method does, and returns its MLPromise
        (``await`` it, or block on ``.result()``)."""
        return self._context_promise(power_preference, accelerated, backend)


#: The process-wide ML object (``navigator.ml``).
ml = ML()
