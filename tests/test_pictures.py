"""deckgen.reading.pictures and remote: pictures of the real world (SVG, MPO, WebP, TIFF, CMYK
JPEG), remote pictures fetched once from an HTTP server on 127.0.0.1 (with a timeout, a size
limit, a content check and --offline), the project root found from each file, and the SVG
picture in the deck as PowerPoint writes it, valid for Microsoft's validator."""

from __future__ import annotations

import http.server
import io
import threading
import time
import zipfile
from pathlib import Path

import pytest
from PIL import Image as PILImage
from pptx import Presentation

from deckgen.build import build
from deckgen.cli import main
from deckgen.model import Image
from deckgen.reading import read_document
from deckgen.reading.pictures import ImageProblem, picture_from_bytes
from deckgen.reading.remote import RemotePictures

SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 100" width="100%">'
    '<rect width="200" height="100" fill="#1F3A5F"/><circle cx="50" cy="50" r="30" fill="#E0B000"/>'
    "</svg>"
)
CONFIG = '[tool.deckgen]\nsender_address = "a@example.com"\nunsubscribe_mailto = "mailto:u@example.com"\n'


def png_bytes(size=(64, 48), mode="RGB", fmt="PNG", **save) -> bytes:
    out = io.BytesIO()
    PILImage.new(mode, size, (30, 90, 160) if mode == "RGB" else None).save(out, fmt, **save)
    return out.getvalue()


# ---------------------------------------------------------------------------- formats


def test_svg_is_kept_with_a_png_rendering() -> None:
    asset = picture_from_bytes(SVG.encode(), Path("x.svg"), "x.svg")
    assert asset.svg == SVG.encode() and asset.mime == "image/png"
    assert (asset.width, asset.height) == (200, 100)  # from the viewBox (width="100%")
    with PILImage.open(io.BytesIO(asset.data)) as rendered:
        assert rendered.format == "PNG" and rendered.size == (400, 200)  # drawn at 2x
        assert rendered.convert("RGB").getpixel((10, 10)) == (0x1F, 0x3A, 0x5F)


@pytest.mark.parametrize(
    ("svg", "fragment"),
    [
        ('<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>', "DTD"),
        ('<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><image xlink:href="/etc/passwd"/></svg>', "refers to another file"),
        ("<svg xmlns='http://www.w3.org/2000/svg'><rect", "not a readable SVG"),
    ],
    ids=["entity", "external-file", "broken"],
)
def test_unsafe_or_broken_svg_is_refused(svg: str, fragment: str) -> None:
    with pytest.raises(ImageProblem, match=fragment):
        picture_from_bytes(svg.encode(), Path("x.svg"), "x.svg")


def test_mpo_webp_tiff_and_cmyk_are_converted_for_powerpoint_and_mail() -> None:
    frames = [PILImage.new("RGB", (40, 30), c) for c in ((200, 0, 0), (0, 200, 0))]
    mpo = io.BytesIO()
    frames[0].save(mpo, "MPO", save_all=True, append_images=frames[1:])
    cmyk = io.BytesIO()
    PILImage.new("CMYK", (40, 30), (0, 255, 255, 0)).save(cmyk, "JPEG")
    cases = {
        "camera.jpg": (mpo.getvalue(), "image/jpeg"),
        "photo.webp": (png_bytes(fmt="WEBP"), "image/jpeg"),
        "alpha.webp": (png_bytes(mode="RGBA", fmt="WEBP", lossless=True), "image/png"),
        "scan.tiff": (png_bytes(fmt="TIFF"), "image/png"),
        "print.jpg": (cmyk.getvalue(), "image/jpeg"),
    }
    for name, (data, mime) in cases.items():
        asset = picture_from_bytes(data, Path(name), name)
        assert asset.mime == mime, name
        with PILImage.open(io.BytesIO(asset.data)) as converted:
            assert converted.format in ("PNG", "JPEG") and converted.mode in ("RGB", "RGBA"), name
            converted.load()
    with PILImage.open(io.BytesIO(picture_from_bytes(mpo.getvalue(), Path("c"), "c").data)) as first:
        assert first.getpixel((5, 5))[0] > 150  # the first frame, red


# ---------------------------------------------------------------------------- the deck


def test_an_svg_picture_in_the_deck_is_native_with_its_png_fallback_and_validates(tmp_path) -> None:
    from ooxml import assert_valid

    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "schema.svg").write_text(SVG, encoding="utf-8")
    source = tmp_path / "talk.md"
    source.write_text(
        "---\nlang: en\n---\n\n## A diagram\n\n![The two circles](schema.svg){width=\"50%\"}\n",
        encoding="utf-8",
    )
    result = build([source], out_dir=tmp_path / "out", root=tmp_path)
    assert not result.errors, result.errors
    deck = tmp_path / "out" / "default" / "talk.pptx"
    with zipfile.ZipFile(deck) as archive:
        names = archive.namelist()
        slide = next(archive.read(n).decode() for n in names if n.startswith("ppt/slides/slide"))
        types = archive.read("[Content_Types].xml").decode()
    assert [n for n in names if n.endswith(".svg")] and [n for n in names if n.endswith(".png")]
    assert "{96DAC541-7B7A-43D3-8B79-37D633B846F1}" in slide and "asvg:svgBlip" in slide
    assert "image/svg+xml" in types
    picture = next(s for s in Presentation(str(deck)).slides[0].shapes if s.shape_type == 13)
    # width="50%": half the body's width, the aspect ratio kept
    assert picture.width / picture.height == pytest.approx(2.0, rel=0.01)
    assert_valid([deck])  # Microsoft's validator and deckgen's package checks
    import email
    import email.policy

    message = email.message_from_bytes(
        (tmp_path / "out" / "default" / "talk.eml").read_bytes(), policy=email.policy.default
    )
    pictures = [p.get_content_type() for p in message.walk() if p.get_content_maintype() == "image"]
    assert pictures == ["image/png"]  # the email shows the PNG rendering


def test_a_missing_picture_is_a_visible_placeholder_in_every_output(tmp_path, capsys) -> None:
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / "talk.md").write_text(
        "---\nlang: en\n---\n\n## A\n\n![The sales chart](images/absent.png)\n", encoding="utf-8"
    )
    code = main(["build", "-q", str(tmp_path / "talk.md"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 0 and "talk.md:7: warning: picture 'images/absent.png' not found" in err
    prs = Presentation(str(tmp_path / "out" / "default" / "talk.pptx"))
    shown = [s.text_frame.text for s in prs.slides[0].shapes if s.has_text_frame]
    assert "The sales chart — not found" in shown
    text = (tmp_path / "out" / "default" / "talk.txt").read_text(encoding="utf-8")
    assert "The sales chart — not found" in text
    assert main(["check", str(tmp_path / "talk.md")]) == 1  # an error in deckgen check
    assert "(picture-missing)" in capsys.readouterr().out


# ---------------------------------------------------------------------------- remote pictures


class _Pictures(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, str, bytes, float]] = {}
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.hits.append(self.path)
        status, kind, body, delay = self.routes.get(self.path, (404, "text/plain", b"no", 0.0))
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def server():
    """An HTTP server on 127.0.0.1, a free port, stopped after the test."""
    _Pictures.routes, _Pictures.hits = {}, []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pictures)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", _Pictures
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_a_remote_picture_is_fetched_once_into_the_build_cache(tmp_path, server) -> None:
    base, handler = server
    handler.routes["/logo.png"] = (200, "image/png", png_bytes((80, 40)), 0.0)
    (tmp_path / "pyproject.toml").write_text(CONFIG, encoding="utf-8")
    source = tmp_path / "talk.md"
    source.write_text(f"---\nlang: en\n---\n\n## A\n\n![Our logo]({base}/logo.png)\n", encoding="utf-8")
    for _ in range(2):
        result = build([source], out_dir=tmp_path / "build", root=tmp_path)
        assert not result.errors and not result.warnings, result.warnings
    assert handler.hits == ["/logo.png"]  # the second build used the cache
    assert list((tmp_path / "build" / ".deckgen" / "pictures").iterdir())
    offline = build([source], out_dir=tmp_path / "build", root=tmp_path, offline=True)
    assert not offline.warnings and handler.hits == ["/logo.png"]  # the cache, offline too
    with zipfile.ZipFile(tmp_path / "build" / "default" / "talk.pptx") as archive:
        assert [n for n in archive.namelist() if n.startswith("ppt/media/")]


@pytest.mark.parametrize(
    ("route", "problem"),
    [
        ((200, "image/png", b"<html>not a picture</html>", 0.0), "was downloaded but is not a picture"),
        ((404, "text/plain", b"gone", 0.0), "could not be downloaded (HTTP 404)"),
        ((200, "image/png", b"x", 3.0), "could not be downloaded (timed out)"),
    ],
    ids=["not-a-picture", "not-found", "timeout"],
)
def test_a_remote_picture_that_cannot_be_used_is_a_problem_not_a_failure(
    tmp_path, server, route, problem
) -> None:
    base, handler = server
    handler.routes["/p.png"] = route
    remote = RemotePictures(tmp_path / "cache", timeout=1.0)
    data, why = remote.get(f"{base}/p.png")
    assert data is None and why == problem
    assert not (tmp_path / "cache").exists() or not list((tmp_path / "cache").iterdir())
    # Asked once per build: the same URL again gives the same answer without a request.
    hits = len(handler.hits)
    assert remote.get(f"{base}/p.png") == (None, problem) and len(handler.hits) == hits


def test_a_too_large_remote_picture_is_refused_before_reading_it(tmp_path, server, monkeypatch) -> None:
    from deckgen.reading import remote as remote_module

    base, handler = server
    handler.routes["/big.png"] = (200, "image/png", png_bytes((300, 300)), 0.0)
    monkeypatch.setattr(remote_module, "MAX_IMAGE_BYTES", 100)
    data, why = RemotePictures(tmp_path / "cache").get(f"{base}/big.png")
    assert data is None and "over the" in why and not list((tmp_path / "cache").glob("*"))


def test_unreachable_and_offline_remote_pictures_become_placeholders(tmp_path, server) -> None:
    base, _ = server
    closed = "http://127.0.0.1:9/x.png"  # the discard port: nothing listens there
    (tmp_path / "talk.md").write_text(
        f"## A\n\n![Offline]({base}/absent.png)\n\n![Unreachable]({closed})\n", encoding="utf-8"
    )
    doc, warnings = read_document(
        tmp_path / "talk.md", tmp_path, RemotePictures(tmp_path / "cache", timeout=1.0)
    )
    images = [b for b in doc.slides[0].blocks if isinstance(b, Image)]
    assert [i.missing for i in images] == ["could not be downloaded", "could not be downloaded"]
    assert [w.line for w in warnings] == [3, 5]
    doc, warnings = read_document(
        tmp_path / "talk.md", tmp_path, RemotePictures(tmp_path / "cache", offline=True)
    )
    assert all("--offline forbids it" in w.message for w in warnings)


# ---------------------------------------------------------------------------- the project root


def test_a_deck_elsewhere_builds_with_its_pictures_from_any_folder(tmp_path, monkeypatch, capsys) -> None:
    elsewhere = tmp_path / "Downloads" / "talk"
    (elsewhere / ".git").mkdir(parents=True)  # a repository: its root is the content root
    (elsewhere / "images").mkdir()
    (elsewhere / "images" / "a.png").write_bytes(png_bytes())
    (elsewhere / "slides").mkdir()
    (elsewhere / "slides" / "talk.md").write_text(
        "## The plan\n\nWe will ship the new release next week, with its documentation.\n\n"
        "![A chart](../images/a.png)\n",
        encoding="utf-8",
    )
    work = tmp_path / "somewhere" / "else"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    code = main(["build", "-q", "--format", "deck", str(elsewhere / "slides" / "talk.md")])
    assert code == 0, capsys.readouterr().err
    deck = work / "build" / "default" / "talk.pptx"
    with zipfile.ZipFile(deck) as archive:
        assert [n for n in archive.namelist() if n.startswith("ppt/media/")]
    runs = Presentation(str(deck)).slides[0].shapes.title.text_frame.paragraphs[0].runs
    assert runs[0]._r.rPr.get("lang") == "en-US"  # no lang: English, read from the text
