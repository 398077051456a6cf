"""Pictures: where a content file's pictures come from, and the one safe check of a picture
file, shared by content pictures and theme logos (themes).

A file is accepted when it is at most 25 MB, a real picture, at most 40 megapixels
(decompression bombs are refused before decoding) and decodes to the end (truncated files
fail here, never later in a renderer). PNG, JPEG and GIF are kept as they are; what
PowerPoint or mail clients read badly is converted once, here, with Pillow: a camera's MPO
becomes its first frame as JPEG, a CMYK JPEG an RGB one, WebP, TIFF and BMP become PNG (or
JPEG for an opaque photo). An SVG is kept (the deck shows it as a native SVG picture) with a
PNG rendering by resvg beside it (PowerPoint's fallback, and the email's picture); an SVG
that declares a DTD or points at files or URLs is refused (it could make the renderer read
this computer's files).
"""

from __future__ import annotations

import gzip
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
CONVERTED = {"MPO", "WEBP", "TIFF", "BMP"}  # read through Pillow, written as PNG or JPEG
SVG_RENDER_MAX = 2000  # pixels on the longer side of an SVG's PNG rendering
PICTURE_RULE = "picture-missing"  # deckgen check's rule (an error there, a warning in build)


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
    return picture_from_bytes(target.read_bytes(), target, name)


def picture_from_bytes(data: bytes, source: Path, name: str) -> Asset:
    """The checked (and, where needed, converted) picture made of `data`. Raises
    `ImageProblem`."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageProblem(
            f"image '{name}' is {len(data) // 1_048_576} MB; keep images under "
            f"{MAX_IMAGE_BYTES // 1_048_576} MB"
        )
    svg = _svg_text(data)
    if svg is not None:
        return _svg_asset(svg, source, name)
    from PIL import Image as PILImage

    try:
        with PILImage.open(io.BytesIO(data)) as probe:
            fmt = probe.format or ""
            width, height = probe.size
            if fmt not in IMAGE_FORMATS and fmt not in CONVERTED:
                raise ImageProblem(
                    f"image '{name}' is {fmt or 'an unknown format'}; use PNG, JPEG, GIF, "
                    "SVG, WebP or TIFF"
                )
            if width * height > MAX_IMAGE_PIXELS:
                raise ImageProblem(
                    f"image '{name}' is {width}x{height} pixels, too large to embed; resize it "
                    "under 40 megapixels"
                )
            probe.load()
            if fmt in CONVERTED or (fmt == "JPEG" and probe.mode == "CMYK"):
                data, fmt = _converted(probe, fmt)
    except PILImage.DecompressionBombError:
        raise ImageProblem(f"image '{name}' is too large to decode safely; resize it") from None
    except (OSError, SyntaxError, ValueError) as exc:
        if isinstance(exc, ImageProblem):
            raise
        raise ImageProblem(
            f"image '{name}' is not a readable image (truncated or not an image file)"
        ) from None
    key = hashlib.sha1(data).hexdigest()[:16] + "." + fmt.lower().replace("jpeg", "jpg")
    return Asset(key, source, data, IMAGE_FORMATS[fmt], width, height)


def _converted(picture, fmt: str) -> tuple[bytes, str]:
    """A picture PowerPoint and mail clients all read: JPEG for opaque photos (an MPO's first
    frame, a CMYK JPEG, an opaque WebP), PNG otherwise."""
    picture.seek(0)
    has_alpha = picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info
    out = io.BytesIO()
    if fmt in ("MPO", "JPEG") or (fmt == "WEBP" and not has_alpha):
        frame = picture.convert("RGB")
        frame.save(out, "JPEG", quality=92, icc_profile=picture.info.get("icc_profile"))
        return out.getvalue(), "JPEG"
    frame = picture.convert("RGBA" if has_alpha else "RGB")
    frame.save(out, "PNG", optimize=True)
    return out.getvalue(), "PNG"


def _svg_text(data: bytes) -> str | None:
    """The SVG markup of `data` (an .svg or .svgz), or None when it is no SVG."""
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError):
            return None
    head = data[:2048].lstrip().lower()
    prolog = head.startswith((b"<?xml", b"<!--", b"<!doctype"))
    if not (head.startswith(b"<svg") or prolog and b"<svg" in data[:8192].lower()):
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


SVG_SIZE = re.compile(r"^\s*([\d.]+)\s*(px|pt|mm|cm|in)?\s*$")
UNITS = {"px": 1.0, "pt": 96 / 72, "mm": 96 / 25.4, "cm": 96 / 2.54, "in": 96.0, None: 1.0}


def _svg_asset(svg: str, source: Path, name: str) -> Asset:
    import xml.etree.ElementTree as etree

    if re.search(r"<!DOCTYPE|<!ENTITY", svg, re.I):
        raise ImageProblem(
            f"image '{name}' is an SVG that declares a DTD; its entities could make a renderer "
            "read files of this computer: save it again without <!DOCTYPE>"
        )
    try:
        root = etree.fromstring(svg)
    except etree.ParseError:
        raise ImageProblem(f"image '{name}' is not a readable SVG (not well-formed XML)") from None
    for el in root.iter():
        for attr, value in el.attrib.items():
            if attr.endswith("href") and not value.strip().startswith(("#", "data:")):
                raise ImageProblem(
                    f"image '{name}' is an SVG that refers to another file or URL ({value[:60]}); "
                    "deckgen embeds only self-contained SVG: embed the picture in the SVG"
                )
    width, height = _svg_size(root)
    scale = min(2.0, SVG_RENDER_MAX / max(width, height, 1))
    try:
        import resvg_py

        png = bytes(
            resvg_py.svg_to_bytes(
                svg_string=_sized(svg, width, height),
                width=max(1, round(width * scale)),
                height=max(1, round(height * scale)),
            )
        )
    except Exception as exc:  # resvg refuses what it cannot draw: say so, at the picture
        raise ImageProblem(f"image '{name}' is an SVG that cannot be drawn ({exc})") from None
    data = svg.encode("utf-8")
    key = hashlib.sha1(data).hexdigest()[:16] + ".svg"
    return Asset(key, source, png, "image/png", round(width), round(height), svg=data)


def _sized(svg: str, width: float, height: float) -> str:
    """The SVG with an absolute width and height on its root (width="100%" has no size for a
    renderer without a page around it)."""
    opening = re.search(r"<svg\b[^>]*>", svg)
    if opening is None:
        return svg
    tag = re.sub(r"""\s(width|height)\s*=\s*("[^"]*"|'[^']*')""", "", opening.group(0))
    tag = tag[:4] + f' width="{width:g}" height="{height:g}"' + tag[4:]
    return svg[: opening.start()] + tag + svg[opening.end() :]


def _svg_size(root) -> tuple[float, float]:
    """An SVG's size in CSS pixels: width and height, else the viewBox, else 300x150."""

    def length(value: str | None) -> float | None:
        m = SVG_SIZE.match(value or "")
        return float(m.group(1)) * UNITS[m.group(2)] if m else None

    width, height = length(root.get("width")), length(root.get("height"))
    box = [float(v) for v in re.split(r"[\s,]+", (root.get("viewBox") or "").strip()) if _is_number(v)]
    if len(box) == 4 and box[2] > 0 and box[3] > 0:
        if width and not height:
            height = width * box[3] / box[2]
        elif height and not width:
            width = height * box[2] / box[3]
        elif not width and not height:
            width, height = box[2], box[3]
    return (width or 300.0), (height or 150.0)


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


class PictureLoader:
    """Finds, reads and checks the pictures of one content file, each once (`assets`).

    A picture that is missing, outside the project root or unreachable is never read: `load`
    reports it as a warning at its line (rule ``picture-missing``: an error under --strict
    and in deckgen check) and returns the problem, which the renderers show as a visible
    placeholder with the alt text. A file that is there but broken (truncated, not a
    picture, a bomb) is an error. Remote ``http(s)`` pictures come through `remote`.
    """

    def __init__(
        self, path: Path, root: Path, report: Collector, remote=None, public_folder: str = ""
    ):
        self.path = path
        self.root = root
        self.report = report
        self.remote = remote  # remote.RemotePictures, or None: never downloads
        self.public_folder = public_folder  # Slidev: "/x.png" is public/x.png beside the file
        self.assets: dict[str, Asset] = {}

    def missing(self, src: str, problem: str, line: int, short: str = "") -> tuple[None, str]:
        """Report a picture that cannot be shown; (None, the few words its placeholder
        shows: never a path of this computer)."""
        self.report.warn(
            f"picture '{src}' {problem}: a placeholder with its description is shown instead",
            line,
            PICTURE_RULE,
        )
        return None, short or "not available"

    def load(self, src: str, line: int) -> tuple[Asset | None, str]:
        """(the asset `src` names, as written in the file, or None; the problem shown in its
        place, "" when the problem was an error)."""
        err = self.report.error
        if not src:
            err("image without a path: write ![description](images/file.png)", line)
            return None, ""
        if re.match(r"^https?://", src, re.I):
            if self.remote is None:
                return self.missing(
                    src, "is on the web and downloads are off (--offline)", line, "not downloaded"
                )
            data, problem = self.remote.get(src)
            if data is None:
                return self.missing(src, problem, line, "could not be downloaded")
            try:
                asset = picture_from_bytes(data, self.remote.cached_path(src), src)
            except ImageProblem as exc:
                return self.missing(src, f"cannot be used ({exc})", line, "not a usable picture")
            return self.assets.setdefault(asset.key, asset), ""
        if src.startswith("data:"):
            return self.missing(
                src[:40] + "…", "is a data: URI; deckgen reads picture files", line, "not a file"
            )
        if re.match(r"^[a-z][a-z0-9+.-]*:", src, re.I) and not re.match(r"^[a-z]:[\\/]", src, re.I):
            return self.missing(
                src, "is a URL deckgen cannot download (only http and https)", line, "not a file"
            )
        candidate = Path(unquote(src.split("?")[0].split("#")[0]))
        base = self.path.resolve().parent
        target = (candidate if candidate.is_absolute() else base / candidate).resolve()
        if candidate.is_absolute() and self.public_folder and not target.is_file():
            served = (base / self.public_folder / str(candidate).lstrip("/")).resolve()
            if served.is_file():
                target = served
        if not target.is_relative_to(self.root):
            return self.missing(
                src,
                f"is outside the project ({self.root}): copy it into the project",
                line,
                "outside the project",
            )
        if not target.is_file():
            return self.missing(
                src,
                f"not found (looked for {target}); check the path, relative to this file",
                line,
                "not found",
            )
        try:
            asset = read_image(target, src)
        except ImageProblem as exc:
            err(str(exc), line)
            return None, ""
        return self.assets.setdefault(asset.key, asset), ""
