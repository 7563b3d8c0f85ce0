"""``BarcodeDetector``: barcodes and 2-D codes decoded with ``zxing-cpp``.

Reading a barcode is not a neural-network task: it is binarization, finder
patterns and error-correcting decoding, which a mature library does exactly
(``pip install zxing-cpp``, a registry package with a compiled C++ core).
So this detector runs no WebNN graph; it gives the spec's interface over
zxing-cpp, with the spec's format names mapped to zxing's:

==============  ==========  ==============  ==========
spec            zxing-cpp   spec            zxing-cpp
==============  ==========  ==============  ==========
``aztec``       Aztec       ``ean_8``       EAN8
``code_128``    Code128     ``itf``         ITF
``code_39``     Code39      ``pdf417``      PDF417
``code_93``     Code93      ``qr_code``     QRCode
``codabar``     Codabar     ``upc_a``       UPCA
``data_matrix`` DataMatrix  ``upc_e``       UPCE
``ean_13``      EAN13
==============  ==========  ==============  ==========

A UPC-A code is an EAN-13 code with a leading 0; when both ``ean_13`` and
``upc_a`` are asked for, zxing-cpp reports EAN-13 with the 0, and this
detector reports ``upc_a`` with the 12 digits (as ZXing's Java reader does;
zxing-cpp 3 also gives a UPC-A code's text as 13 digits: cut to 12 here).
A code zxing reads in a format the spec has no name for is ``"unknown"``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from webnnpy.errors import NotSupportedError
from webnnpy.shape_detection._image import load_rgb
from webnnpy.shape_detection._types import (
    BARCODE_FORMATS,
    DetectedBarcode,
    DOMRectReadOnly,
    Point2D,
)

__all__ = ["ZXING_FORMATS", "BarcodeDetector"]

#: spec BarcodeFormat -> zxing-cpp BarcodeFormat member name
ZXING_FORMATS = {
    "aztec": "Aztec", "code_128": "Code128", "code_39": "Code39",
    "code_93": "Code93", "codabar": "Codabar", "data_matrix": "DataMatrix",
    "ean_13": "EAN13", "ean_8": "EAN8", "itf": "ITF", "pdf417": "PDF417",
    "qr_code": "QRCode", "upc_a": "UPCA", "upc_e": "UPCE",
}


def _norm(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


#: a result's zxing format (its str(), normalized) -> spec name; zxing-cpp 3
#: reports some symbologies by variant ("QR Code Model 2", "Code 39 Standard")
_FROM_ZXING = {
    **{_norm(z): s for s, z in ZXING_FORMATS.items()},
    "qrcodemodel1": "qr_code", "qrcodemodel2": "qr_code", "azteccode": "aztec",
    "aztecrune": "aztec", "code39standard": "code_39", "code39extended": "code_39",
    "code39std": "code_39", "code39ext": "code_39", "itf14": "itf",
}


def _zxing() -> Any:
    try:
        import zxingcpp
    except ImportError as e:
        raise ImportError("BarcodeDetector needs zxing-cpp: pip install zxing-cpp "
                          "(or webnnpy[detect])") from e
    return zxingcpp


class BarcodeDetector:
    """The spec's ``BarcodeDetector(BarcodeDetectorOptions)``.

    Args:
        formats: spec format names to look for (default: all supported).

    Raises:
        TypeError: ``formats`` is empty, contains ``"unknown"``, or a name
            that is not a spec ``BarcodeFormat`` (the spec's and WebIDL's
            errors).
        NotSupportedError: a spec format this build of zxing-cpp cannot read.
    """

    def __init__(self, *, formats: Iterable[str] | None = None) -> None:
        if formats is None:
            self.formats: tuple[str, ...] = tuple(self.get_supported_formats())
            return
        if isinstance(formats, str):
            raise TypeError("BarcodeDetector: formats must be a sequence of format "
                            f"names, not a string ({formats!r})")
        wanted = list(formats)
        if not wanted:
            raise TypeError("BarcodeDetector: formats is empty; give at least one "
                            "of " + ", ".join(ZXING_FORMATS))
        for f in wanted:
            if not isinstance(f, str) or f not in BARCODE_FORMATS:
                raise TypeError(f"BarcodeDetector: {f!r} is not a BarcodeFormat; "
                                f"expected one of {', '.join(ZXING_FORMATS)}")
            if f == "unknown":
                raise TypeError("BarcodeDetector: 'unknown' cannot be asked for (it "
                                "only labels results)")
        supported = set(self.get_supported_formats())
        missing = [f for f in wanted if f not in supported]
        if missing:
            raise NotSupportedError(f"BarcodeDetector: format(s) {missing} are not "
                                    f"supported by this zxing-cpp build; supported: "
                                    f"{sorted(supported)}")
        self.formats = tuple(dict.fromkeys(wanted))

    @staticmethod
    def get_supported_formats() -> list[str]:
        """The spec format names the installed zxing-cpp reads (the spec's
        ``getSupportedFormats()``; see also :meth:`get_supported_formats_async`)."""
        z = _zxing()
        return [s for s, name in ZXING_FORMATS.items()
                if hasattr(z.BarcodeFormat, name)]

    @staticmethod
    def get_supported_formats_async() -> Any:
        """:meth:`get_supported_formats` as a settled
        :class:`~webnnpy.MLPromise` (what the spec returns)."""
        from webnnpy.api.promise import MLPromise

        p: MLPromise[list[str]] = MLPromise()
        try:
            p.resolve(BarcodeDetector.get_supported_formats())
        except BaseException as e:  # noqa: BLE001 - the promise carries it
            p.reject(e)
        return p

    def detect(self, image: Any) -> list[DetectedBarcode]:
        """The barcodes in ``image``."""
        return self.detect_rgb(load_rgb(image, what="BarcodeDetector.detect"))

    def detect_rgb(self, rgb: np.ndarray) -> list[DetectedBarcode]:
        """:meth:`detect` on an H x W x 3 uint8 RGB array."""
        z = _zxing()
        if rgb.shape[0] == 0 or rgb.shape[1] == 0:
            return []
        names = ",".join(ZXING_FORMATS[f] for f in self.formats)
        fmts = z.barcode_formats_from_str(names)
        gray = np.ascontiguousarray(
            (rgb.astype(np.uint16) @ np.array([77, 150, 29], np.uint16)) >> 8
        ).astype(np.uint8)
        out = []
        for b in z.read_barcodes(gray, formats=fmts):
            fmt = _FROM_ZXING.get(_norm(str(b.format)), "unknown")
            text = b.text
            if (fmt == "ean_13" and "upc_a" in self.formats and len(text) == 13
                    and text.startswith("0")):
                fmt = "upc_a"
            if fmt == "upc_a" and len(text) == 13 and text.startswith("0"):
                text = text[1:]  # zxing-cpp 3 reports UPC-A as its EAN-13 form
            pos = b.position
            corners = tuple(Point2D(float(p.x), float(p.y)) for p in (
                pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left))
            out.append(DetectedBarcode(DOMRectReadOnly.from_points(corners), text,
                                       fmt, corners))
        return out

    def detect_async(self, image: Any) -> Any:
        """:meth:`detect` as an :class:`~webnnpy.MLPromise` (awaitable)."""
        from webnnpy.shape_detection._async import run_async

        return run_async(self.detect, image)

    def __repr__(self) -> str:
        return f"BarcodeDetector(formats={list(self.formats)})"
