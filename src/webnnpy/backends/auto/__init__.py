"""The ``auto`` backend: a composite of ONNX Runtime and OpenVINO that
compiles each graph on the runtime where it runs faster on this machine
(measured once per graph and machine, remembered on disk; a rule for small
graphs).  The default context's backend where both runtimes are installed.

Loaded only through the backend registry; ``import webnnpy`` never imports
either runtime, and OpenVINO is imported only when a graph needs it.
"""

from __future__ import annotations

from webnnpy.backends.auto.backend import (
    AutoBackend,
    AutoGraph,
    AutoTensor,
    choice_of,
    forget_choices,
    graph_digest,
    graph_digests,
    graph_work,
)

__all__ = ["AutoBackend", "AutoGraph", "AutoTensor", "choice_of", "forget_choices",
           "graph_digest", "graph_digests", "graph_work"]
