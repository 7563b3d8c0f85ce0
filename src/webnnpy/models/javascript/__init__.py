"""Export a WebNN graph as a standalone JavaScript ES module.

``export(graph, outdir)`` writes ``model.js`` (builds the same graph with
``navigator.ml`` / ``MLGraphBuilder``, the spec's camelCase names and option
dictionaries, plus a small runner) and ``weights.bin`` (the constants).
See :mod:`webnnpy.models.javascript.exporter`.
"""

from __future__ import annotations

from webnnpy.models.javascript.exporter import (
    ExportError,
    ExportResult,
    export,
    export_ir,
    module_source,
)

__all__ = ["ExportError", "ExportResult", "export", "export_ir", "module_source"]
