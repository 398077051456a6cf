"""Reading an image file once, safely: the one check shared by content images (reader) and
theme logos (themes).

A file is accepted when it is at most 25 MB, a real PNG, JPEG or GIF, at most 40 megapixels
(decompression bombs are refused before decoding) and decodes to the end (truncated files
fail here, never later in a renderer).
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from .model import Asset

MAX_IMAGE_BYTES = 25 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif"}


class ImageProblem(ValueError):
    """Why a file cannot be used as an image (a sentence about `name`)."""


def read_image(target: Path, name: str) -> Asset:
    """The checked image at `target` (an existing file); `name` is how messages call it.
    Raises `ImageProblem`."""
    size = target.stat().st_size
    if size > MAX_IMAGE_BYTES:
        raise ImageProblem(
            f"image '{name}' is {size // 1_048_576} MB; keep images under "
            f"{MAX_IMAGE_BYTES // 1_048_576} MB"
        )
    data = target.read_bytes()
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            width, height = probe.size
            if fmt not in IMAGE_FORMATS:
                raise ImageProblem(
                    f"image '{name}' is {fmt or 'an unknown format'}; use PNG, JPEG or GIF"
                )
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageProblem(
                    f"image '{name}' is {width}x{height} pixels, too large to embed; resize it "
                    "under 40 megapixels"
                )
            probe.load()
    except PILImage.DecompressionBombError:
        raise ImageProblem(f"image '{name}' is too large to decode safely; resize it") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageProblem):
            raise
        raise ImageProblem(
            f"image '{name}' is not a readable image (truncated or not an image file)"
        ) from None
    key = hashlib.sha1(data).hexdigest()[:16] + "." + fmt.lower().replace("jpeg", "jpg")
    return Asset(key, target, data, IMAGE_FORMATS[fmt], width, height)
