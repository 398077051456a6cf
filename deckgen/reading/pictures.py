"""Pictures: where a content file's pictures come from, and the one safe check of a picture
file, shared by content pictures and theme logos (themes).

A file is accepted when it is at most 25 MB, a real PNG, JPEG or GIF, at most 40 megapixels
(decompression bombs are refused before decoding) and decodes to the end (truncated files
fail here, never later in a renderer).
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from urllib.parse import unquote

from ..errors import Collector
from ..model import Asset

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


class PictureLoader:
    """Finds, reads and checks the pictures of one content file, each once (`assets`)."""

    def __init__(self, path: Path, root: Path, report: Collector):
        self.path = path
        self.root = root
        self.report = report
        self.assets: dict[str, Asset] = {}

    def load(self, src: str, line: int) -> Asset | None:
        """The asset `src` names (as written in the file), or None after reporting why not."""
        err = self.report.error
        if not src:
            err("image without a path: write ![description](images/file.png)", line)
            return None
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I):
            err(
                f"image '{src}' is a URL; deckgen never downloads: save the file in the project "
                "and give its relative path",
                line,
            )
            return None
        candidate = Path(unquote(src))
        if candidate.is_absolute():
            err(
                f"image '{src}' has an absolute path; give a path relative to the content file",
                line,
            )
            return None
        target = (self.path.resolve().parent / candidate).resolve()
        if not target.is_relative_to(self.root):
            err(
                f"image '{src}' is outside the project ({self.root}); copy it into the project",
                line,
            )
            return None
        if not target.is_file():
            err(
                f"image '{src}' not found (looked for {target}); check the path, relative to this file",
                line,
            )
            return None
        try:
            asset = read_image(target, src)
        except ImageProblem as exc:
            err(str(exc), line)
            return None
        return self.assets.setdefault(asset.key, asset)
