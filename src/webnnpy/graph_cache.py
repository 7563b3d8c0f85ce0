"""The on-disk graph cache's helpers for code that caches graphs it builds
(model importers, tasks): keys from contents, and the implicit-use forms that
warn instead of failing.  ``MLContext.save_graph``/``load_graph``/
``list_graphs``/``delete_graph`` are the API itself (docs/graph_cache.md).
The store's total size is capped (least recently used entries evicted):
``set_max_bytes`` or ``$WEBNNPY_CACHE_MAX_BYTES``, 4 GiB by default.
"""

from __future__ import annotations

from webnnpy.api.graph_cache import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_ENV,
    cache_key,
    cache_root,
    file_digest,
    load_graph_with_metadata,
    max_bytes,
    set_max_bytes,
    try_load,
    try_save,
)

__all__ = ["DEFAULT_MAX_BYTES", "MAX_BYTES_ENV", "cache_key", "cache_root",
           "file_digest", "load_graph_with_metadata", "max_bytes", "set_max_bytes",
           "try_load", "try_save"]
