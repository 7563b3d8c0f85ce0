"""The on-disk graph cache's helpers for code that caches graphs it builds
(model importers, tasks): keys from contents, and the implicit-use forms that
warn instead of failing.  ``MLContext.save_graph``/``load_graph``/
``list_graphs``/``delete_graph`` are the API itself (docs/graph_cache.md).
"""

from __future__ import annotations

from webnnpy.api.graph_cache import (
    cache_key,
    cache_root,
    file_digest,
    load_graph_with_metadata,
    try_load,
    try_save,
)

__all__ = ["cache_key", "cache_root", "file_digest", "load_graph_with_metadata",
           "try_load", "try_save"]
