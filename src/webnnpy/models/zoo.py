"""Real models that registry packages ship, found on disk without importing
those packages.

    >>> from webnnpy.models import zoo
    >>> zoo.find_model("ppocr-det")          # a Path to the installed .onnx file
    >>> zoo.names()                           # every model this table knows

Each model is a file inside an installed distribution: ``find_model`` reads
the distribution's file list (``importlib.metadata``), so neither the package
nor its own dependencies (OpenCV for rapidocr, PyTorch for silero-vad) need be
importable.  Install the packages without their dependencies::

    pip install --no-deps rapidocr==3.10.0 silero-vad==6.2.3 ddddocr==1.6.1

Nothing is downloaded: a model that is not installed raises
:class:`ModelNotInstalledError`, whose message is the pip command.
"""

from __future__ import annotations

import importlib.metadata as metadata
from dataclasses import dataclass
from pathlib import Path
from typing import Final

__all__ = [
    "MODELS",
    "ModelNotInstalledError",
    "ZooModel",
    "find_model",
    "model_info",
    "names",
]


@dataclass(frozen=True)
class ZooModel:
    """One model file inside a distribution."""

    name: str
    distribution: str
    version: str
    path: str
    """The file's path inside the distribution (as its RECORD lists it)."""
    description: str

    @property
    def pip_command(self) -> str:
        """The command that installs the file (without the package's own
        dependencies, which the model does not need)."""
        return f"pip install --no-deps {self.distribution}=={self.version}"


def _m(name: str, dist: str, version: str, path: str, desc: str) -> ZooModel:
    return ZooModel(name, dist, version, path, desc)


#: name -> model.  The versions are those the tests were run against; a
#: different installed version is used if it ships the same file.
MODELS: Final[dict[str, ZooModel]] = {m.name: m for m in (
    _m("ppocr-det", "rapidocr", "3.10.0", "rapidocr/models/PP-OCRv6_det_small.onnx",
       "PP-OCRv6 small text detection (DB): image [1,3,H,W] -> text probability "
       "map [1,1,H,W]; H, W multiples of 32"),
    _m("ppocr-rec", "rapidocr", "3.10.0", "rapidocr/models/PP-OCRv6_rec_small.onnx",
       "PP-OCRv6 small text recognition (CTC): line [N,3,48,W] -> per-step "
       "class probabilities [N,W/8,18710]; its character list is in the "
       "model's metadata ('character')"),
    _m("ppocr-cls", "rapidocr", "3.10.0",
       "rapidocr/models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
       "PP-OCR mobile v2.0 text-line orientation: line [N,3,48,192] -> "
       "[N,2] probabilities of 0 and 180 degrees"),
    _m("silero-vad", "silero-vad", "6.2.3", "silero_vad/data/silero_vad.onnx",
       "Silero VAD v6 (LSTM): 64 context + 512 new samples at 16 kHz and the "
       "state [2,1,128] -> speech probability [1,1] and the next state"),
    _m("ddddocr-ocr", "ddddocr", "1.6.1", "ddddocr/common.onnx",
       "ddddocr captcha OCR (CNN + CTC): grey image [1,1,64,W] -> per-step "
       "class scores [W/8,1,C]"),
    _m("ddddocr-det", "ddddocr", "1.6.1", "ddddocr/common_det.onnx",
       "ddddocr detector (YOLOX-like, SiLU): image [1,3,416,416] -> "
       "[1,3549,6] boxes, objectness and class score"),
    _m("ddddocr-ocr-old", "ddddocr", "1.6.1", "ddddocr/common_old.onnx",
       "ddddocr's older OCR model, dynamically quantized to int8 "
       "(DynamicQuantizeLinear + ConvInteger): grey image [1,1,64,W]"),
)}


class ModelNotInstalledError(FileNotFoundError):
    """A zoo model's distribution (or the file in it) is not installed."""


def names() -> list[str]:
    """The names :func:`find_model` knows."""
    return list(MODELS)


def model_info(name: str) -> ZooModel:
    """The table entry of ``name`` (``KeyError`` naming the known ones)."""
    try:
        return MODELS[name]
    except KeyError:
        raise KeyError(f"unknown zoo model {name!r}; known: "
                       f"{', '.join(MODELS)}") from None


def find_model(name: str) -> Path:
    """The path of the installed model file ``name`` (see :func:`names`).

    Raises:
        KeyError: ``name`` is not in the table.
        ModelNotInstalledError: its distribution is not installed, or does not
            contain the file; the message gives the pip command.
    """
    m = model_info(name)
    hint = f"install it with: {m.pip_command}"
    try:
        dist = metadata.distribution(m.distribution)
    except metadata.PackageNotFoundError:
        raise ModelNotInstalledError(
            f"model {name!r} comes with the {m.distribution!r} package, which is "
            f"not installed; {hint}") from None
    for f in dist.files or ():
        if f.as_posix() == m.path:
            p = Path(str(dist.locate_file(f)))
            if p.is_file():
                return p
            break
    raise ModelNotInstalledError(
        f"model {name!r}: {m.distribution} {dist.version} is installed but "
        f"{m.path} is not in it (it was tested with {m.distribution}=="
        f"{m.version}); {hint}")
