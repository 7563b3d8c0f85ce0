"""Image sources for detection: what Python has instead of ``ImageBitmapSource``.

- a NumPy array, ``uint8``, H x W (gray), H x W x 3 (RGB) or H x W x 4 (RGBA,
  alpha dropped);
- a PIL image (any mode; converted to RGB; an animated one gives its first
  frame, as the spec says for animated images);
- a file path (``str`` or ``os.PathLike``) or the encoded file's ``bytes``
  (``bytearray``, ``memoryview``), decoded with Pillow.

Anything else is a ``TypeError`` (the spec's answer to an argument of the
wrong type).  Encoded data that cannot be decoded, and images larger than
``max_pixels``, are an :class:`ImageDecodeError` (an ``InvalidStateError``:
what ``createImageBitmap`` rejects undecodable data with); the size is read
from the file's header first, so a 40000 x 40000 image is refused before
any pixel is decoded.  An image with zero width or height gives no
detections (the spec resolves ``detect()`` with an empty sequence).
"""

from __future__ import annotations

import io
import os
from typing import Any

import numpy as np

from webnnpy.errors import InvalidStateError

__all__ = ["MAX_PIXELS", "ImageDecodeError", "image_size", "load_rgb"]

#: Largest image decoded (width x height): 64 megapixels.
MAX_PIXELS = 64_000_000


class ImageDecodeError(InvalidStateError):
    """Encoded image data that cannot be decoded, or is too large."""


def _describe(source: Any) -> str:
    if isinstance(source, str | os.PathLike):
        return os.fspath(source)
    return f"{type(source).__name__} of {len(source)} bytes" if isinstance(
        source, bytes | bytearray | memoryview) else type(source).__name__


def _open(source: Any, max_pixels: int, name: str | None = None) -> Any:
    """The PIL image of a path or bytes, header read, size checked, pixels
    not yet decoded (``name``: what messages call the source)."""
    import warnings

    from PIL import Image

    what = name or _describe(source)
    fp: Any = (os.fspath(source) if isinstance(source, str | os.PathLike)
               else io.BytesIO(bytes(source)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(fp)
    except Image.DecompressionBombError as e:
        raise ImageDecodeError(f"{what}: image too large to decode ({e}); the "
                               f"limit is {max_pixels} pixels") from None
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        raise
    except (OSError, ValueError, SyntaxError) as e:
        raise ImageDecodeError(f"{what}: not a decodable image ({e})") from None
    w, h = im.size
    if w * h > max_pixels:
        im.close()
        raise ImageDecodeError(f"{what}: image is {w}x{h} = {w * h} pixels; the "
                               f"limit is {max_pixels} (refused before decoding)")
    return im


def image_size(source: Any, *, max_pixels: int = MAX_PIXELS) -> tuple[int, int]:
    """(width, height) of a path or encoded bytes, from the header only."""
    im = _open(source, max_pixels)
    with im:
        return im.size


def load_rgb(source: Any, *, max_pixels: int = MAX_PIXELS,
             what: str = "detect", name: str | None = None) -> np.ndarray:
    """An image source as an H x W x 3 ``uint8`` RGB array (C-contiguous).

    ``what`` names the caller in TypeErrors; ``name`` the source in decode
    errors (default: the path, or "bytes of N bytes").

    Raises:
        TypeError: not an image source, or an array of the wrong type/shape.
        ImageDecodeError: undecodable or truncated data, or more than
            ``max_pixels`` pixels.
        FileNotFoundError: a path that does not exist.
    """
    if isinstance(source, np.ndarray):
        a = source
        if a.dtype != np.uint8:
            raise TypeError(f"{what}: an image array must be uint8 (HxWx3 RGB); got "
                            f"dtype {a.dtype}")
        if a.ndim == 2:
            a = np.repeat(a[:, :, None], 3, axis=2)
        if a.ndim != 3 or a.shape[2] not in (3, 4):
            raise TypeError(f"{what}: an image array must be HxW, HxWx3 (RGB) or "
                            f"HxWx4 (RGBA); got shape {list(source.shape)}")
        if a.shape[0] * a.shape[1] > max_pixels:
            raise ImageDecodeError(f"{what}: image is {a.shape[1]}x{a.shape[0]}; the "
                                   f"limit is {max_pixels} pixels")
        return np.ascontiguousarray(a[:, :, :3])
    if isinstance(source, str | os.PathLike | bytes | bytearray | memoryview):
        im = _open(source, max_pixels, name)
        with im:
            try:
                im.seek(0)
                rgb = np.asarray(im.convert("RGB"))
            except (OSError, ValueError, SyntaxError) as e:
                raise ImageDecodeError(f"{name or _describe(source)}: not a "
                                       f"decodable image ({e})") from None
        return rgb
    if hasattr(source, "convert") and hasattr(source, "size") and hasattr(
            source, "mode"):  # a PIL image
        w, h = source.size
        if w * h > max_pixels:
            raise ImageDecodeError(f"{what}: image is {w}x{h}; the limit is "
                                   f"{max_pixels} pixels")
        if w == 0 or h == 0:
            return np.zeros((h, w, 3), np.uint8)
        return np.asarray(source.convert("RGB"))
    raise TypeError(f"{what}: the image must be a uint8 NumPy array (HxWx3 RGB), a "
                    f"PIL image, a file path or encoded bytes; got "
                    f"{type(source).__name__}")
