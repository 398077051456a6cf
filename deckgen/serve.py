"""``deckgen serve``: a live preview on 127.0.0.1 that follows each save.

Three kinds of threads share one `Preview` (a lock, and snapshots replaced whole):

- the main thread runs the watch loop (`deckgen.watch`): the initial build, then a rebuild
  per save; after each, it writes the email previews of what was rebuilt and bumps the
  preview's version;
- a `Renderer` thread, behind it: the check report (`deckgen.check`), then the slide
  thumbnails through LibreOffice and pdftoppm (seconds per deck: never in the way of a
  rebuild). A missing client becomes a note on the page;
- the HTTP server (`http.server.ThreadingHTTPServer`, one thread per request), bound to
  127.0.0.1 only, answering only requests addressed to 127.0.0.1 or localhost (a web page
  elsewhere cannot reach it through DNS rebinding). It serves the page, ``/state.json``,
  and files under ``build/`` (nothing hidden, nothing outside it).

The page reloads itself when ``/state.json`` shows a new version: it asks every 400 ms.
Polling rather than Server-Sent Events: nothing is held open (an SSE stream keeps a server
thread per tab and must be torn down on exit; browsers allow six connections per host),
the server stops at once, a page left open across a restart of ``deckgen serve`` picks up
again by itself, and 400 ms is far inside the 3 s a reader waits for.

With ``?report=1`` the page posts what it shows (each email's text) to ``/seen``; GET
``/seen`` returns it: tests (and scripts) check what the browser really displays.
"""

from __future__ import annotations

import contextlib
import json
import mimetypes
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import clients
from .errors import DeckgenError, Diagnostic, display_path
from .output import write_bytes_atomic
from .watch import RebuildResult, Watcher, run_watch

HOST = "127.0.0.1"
POLL_MS = 400
THUMB_WIDTH = 320
MAX_THUMBS = 40  # slides shown per deck (LibreOffice converts the whole deck regardless)
EMAIL_FILE = "email.html"
MAX_POST = 1 << 20


@dataclass(frozen=True)
class Entry:
    """One content file in one theme, as the page shows it."""

    source: Path
    theme: str
    stem: str
    title: str
    built: bool  # outputs exist (this run or an earlier one)
    errors: tuple[str, ...]


@dataclass
class Snapshot:
    """What the page shows; replaced whole under the lock, never changed in place."""

    version: int = 0
    builds: int = 0
    last: str = "building…"
    entries: tuple[Entry, ...] = ()
    problems: tuple[str, ...] = ()
    check: dict | None = None  # CheckReport.to_json()
    check_note: str = "checking…"
    thumbs_note: str = ""


class Preview:
    """The state shared by the watch loop, the renderer and the HTTP threads."""

    def __init__(self, watcher: Watcher):
        self.watcher = watcher
        self.out_dir = watcher.out_dir
        self.lock = threading.Lock()
        self.snapshot = Snapshot()
        self.seen: dict | None = None

    def update(self, **changes) -> None:
        with self.lock:
            values = {**self.snapshot.__dict__, **changes}
            values["version"] = self.snapshot.version + 1
            self.snapshot = Snapshot(**values)

    def current(self) -> Snapshot:
        with self.lock:
            return self.snapshot

    def preview_dir(self, theme: str, stem: str) -> Path:
        return self.out_dir / theme / "preview" / stem

    def url(self, path: Path) -> str:
        return "/build/" + path.relative_to(self.out_dir).as_posix()

    # --- after each rebuild (the main thread) ----------------------------------------

    def rebuilt(self, result: RebuildResult) -> None:
        """Write the email previews of what was rebuilt, then show the new state."""
        watcher = self.watcher
        for doc, name in result.built:
            html = _email_preview(watcher, doc, name)
            if html is not None:
                target = self.preview_dir(name, doc.stem) / EMAIL_FILE
                write_bytes_atomic(target, html.encode("utf-8"))
        problems = watcher.problems()
        by_file: dict[Path, list[str]] = {}
        for problem in problems:
            if problem.path is not None:
                by_file.setdefault(problem.path.resolve(), []).append(_plain(problem))
        entries = []
        sources = sorted({*watcher.docs, *watcher.file_errors})
        for source in sources:
            doc = watcher.docs.get(source)
            names = watcher.names or ([doc.meta.theme] if doc is not None else [])
            stem = source.stem
            for name in names:
                entries.append(
                    Entry(
                        source=source,
                        theme=name,
                        stem=stem,
                        title=(doc.meta.title if doc is not None else "") or stem,
                        built=(self.out_dir / name / f"{stem}.html").is_file()
                        or (self.out_dir / name / f"{stem}.pptx").is_file(),
                        errors=tuple(by_file.get(source, ())),
                    )
                )
        what = ", ".join(result.changes)
        status = "failed: previous outputs kept" if result.errors else "ok"
        self.update(
            builds=self.snapshot.builds + 1,
            last=f"{time.strftime('%H:%M:%S')} · {what} · {result.seconds:.2f} s · {status}",
            entries=tuple(entries),
            problems=tuple(_plain(p) for p in problems),
        )

    # --- what the page shows -------------------------------------------------------

    def thumbnails(self, entry: Entry) -> list[str]:
        folder = self.preview_dir(entry.theme, entry.stem)
        shots = sorted(folder.glob("slide-*.png"), key=lambda p: _number(p.stem))
        return [self.url(p) for p in shots]

    def email_url(self, entry: Entry) -> str | None:
        page = self.preview_dir(entry.theme, entry.stem) / EMAIL_FILE
        return self.url(page) if page.is_file() else None


def _plain(problem: Diagnostic) -> str:
    return str(problem)


def _number(stem: str) -> int:
    match = re.search(r"(\d+)$", stem)
    return int(match.group(1)) if match else 0


def _email_preview(watcher: Watcher, doc, name: str) -> str | None:
    """The newsletter as a reader sees it, pictures inline (nothing to publish first)."""
    if "newsletter" not in watcher.formats or watcher.settings is None:
        return None
    from .preview import email_page  # the contact sheet's renderer: one way to show it

    theme = watcher.cache.themes.get(name)
    env = watcher.cache.environments.get(name)
    if theme is None or env is None:
        return None
    return email_page(doc, theme, env, watcher.settings)


# --- the background renderer --------------------------------------------------------------


class Renderer(threading.Thread):
    """Runs the check and renders slide thumbnails after each rebuild, latest first: a
    request that arrives while it works replaces the older one."""

    def __init__(self, preview: Preview):
        super().__init__(name="deckgen-renderer", daemon=True)
        self.preview = preview
        self.wake = threading.Condition()
        self.decks: dict[tuple[str, str], Path] = {}  # (theme, stem) -> .pptx
        self.check_wanted = False
        self.stopping = False

    def request(self, result: RebuildResult) -> None:
        with self.wake:
            for item in result.written:
                if item.path.suffix == ".pptx":
                    theme = item.path.parent.name
                    self.decks[(theme, item.path.stem)] = item.path
            self.check_wanted = True
            self.wake.notify()

    def stop(self) -> None:
        with self.wake:
            self.stopping = True
            self.wake.notify()

    def run(self) -> None:
        while True:
            with self.wake:
                while not (self.stopping or self.check_wanted or self.decks):
                    self.wake.wait()
                if self.stopping:
                    return
                check, self.check_wanted = self.check_wanted, False
                decks, self.decks = self.decks, {}
            if check:
                self._check()
            for (theme, stem), pptx in decks.items():
                with self.wake:
                    if self.stopping:
                        return
                self._thumbnails(theme, stem, pptx)

    def _check(self) -> None:
        watcher = self.preview.watcher
        try:
            from .check import run_check

            report = run_check(watcher.paths, watcher.theme_args, watcher.root)
            self.preview.update(check=report.to_json(), check_note="")
        except Exception as exc:  # a bug in the check must not stop the preview
            self.preview.update(
                check=None, check_note=f"the check failed: {type(exc).__name__}: {exc}"
            )

    def _thumbnails(self, theme: str, stem: str, pptx: Path) -> None:
        folder = self.preview.preview_dir(theme, stem)
        try:
            with tempfile.TemporaryDirectory(prefix="deckgen-serve-") as work:
                deck = Path(work, pptx.name)
                shutil.copyfile(pptx, deck)  # the next rebuild may replace it meanwhile
                pdf = clients.pptx_to_pdf(deck, Path(work))
                pngs = clients.pdf_pages_to_png(pdf, Path(work, "png"), 1, MAX_THUMBS, THUMB_WIDTH)
                folder.mkdir(parents=True, exist_ok=True)
                names = {f"slide-{_number(p.stem)}.png" for p in pngs}
                for png in pngs:
                    os.replace(png, folder / f"slide-{_number(png.stem)}.png")
                for old in folder.glob("slide-*.png"):
                    if old.name not in names:
                        old.unlink()
            self.preview.update(thumbs_note="")
        except clients.ClientError as exc:
            self.preview.update(thumbs_note=f"No slide thumbnails: {exc}.")
        except FileNotFoundError:
            pass  # the deck went away (a file removed): nothing to show
        except Exception as exc:
            self.preview.update(thumbs_note=f"Slide thumbnails failed: {type(exc).__name__}: {exc}")


# --- the HTTP side ------------------------------------------------------------------------


class PreviewServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, preview: Preview, port: int):
        self.preview = preview
        super().__init__((HOST, port), Handler)

    @property
    def port(self) -> int:
        return self.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}/"


class Handler(BaseHTTPRequestHandler):
    server: PreviewServer
    server_version = "deckgen-serve"

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        pass  # the page polls: a log line per request would drown the rebuild reports

    def _allowed_host(self) -> bool:
        """Only requests addressed to this machine by name: a page on another site whose
        name resolves to 127.0.0.1 (DNS rebinding) sends its own name and is refused."""
        host = self.headers.get("Host")
        if host is None:
            return True  # HTTP/1.0 without Host: not a browser
        port = self.server.port
        return host in (f"{HOST}:{port}", f"localhost:{port}", f"[::1]:{port}")

    def do_GET(self) -> None:  # noqa: N802
        if not self._allowed_host():
            return self._send(HTTPStatus.FORBIDDEN, b"deckgen serve answers on 127.0.0.1 only\n")
        path = urlsplit(self.path).path
        preview = self.server.preview
        if path == "/":
            return self._send(HTTPStatus.OK, render_page(preview).encode("utf-8"), "text/html")
        if path == "/state.json":
            snap = preview.current()
            body = {"version": snap.version, "builds": snap.builds}
            return self._send(HTTPStatus.OK, json.dumps(body).encode(), "application/json")
        if path == "/seen":
            body = json.dumps(preview.seen).encode()
            return self._send(HTTPStatus.OK, body, "application/json")
        if path.startswith("/build/"):
            target = safe_path(preview.out_dir, path[len("/build/") :])
            if target is not None:
                return self._send_file(target)
        return self._send(HTTPStatus.NOT_FOUND, b"not found\n")

    def do_POST(self) -> None:  # noqa: N802
        if not self._allowed_host():
            return self._send(HTTPStatus.FORBIDDEN, b"deckgen serve answers on 127.0.0.1 only\n")
        if urlsplit(self.path).path != "/seen":
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n")
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_POST:
            return self._send(HTTPStatus.BAD_REQUEST, b"bad length\n")
        try:
            report = json.loads(self.rfile.read(length))
        except ValueError:
            return self._send(HTTPStatus.BAD_REQUEST, b"not JSON\n")
        self.server.preview.seen = {**report, "received": time.time()}
        self._send(HTTPStatus.NO_CONTENT, b"")

    def _send(self, status: HTTPStatus, body: bytes, kind: str = "text/plain") -> None:
        self.send_response(status)
        if status != HTTPStatus.NO_CONTENT:
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _send_file(self, target: Path) -> None:
        try:
            data = target.read_bytes()
        except OSError:
            return self._send(HTTPStatus.NOT_FOUND, b"not found\n")
        kind = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if target.suffix == ".pptx":
            self.send_header("Content-Disposition", f'attachment; filename="{target.name}"')
        self.end_headers()
        self.wfile.write(data)


def safe_path(base: Path, url_path: str) -> Path | None:
    """The file under `base` that a URL path (percent-encoded, relative to base) names,
    or None: no '..', no hidden files or folders (build/.deckgen holds the send journal),
    no backslashes or NUL, nothing that resolves (symbolic links too) outside `base`."""
    try:
        relative = unquote(url_path, errors="strict")
    except UnicodeDecodeError:
        return None
    if not relative or "\\" in relative or "\0" in relative:
        return None
    parts = relative.split("/")
    if any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    base = base.resolve()
    try:
        target = base.joinpath(*parts).resolve()
        if not target.is_relative_to(base) or not target.is_file():
            return None
    except OSError:  # a name too long, a loop of links...
        return None
    return target


# --- the page -----------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>deckgen · live preview</title>
<style>
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: #212529; background: #f1f3f5; }
header { position: sticky; top: 0; padding: 10px 24px; background: #212529; color: #f8f9fa; z-index: 1; }
header b { margin-right: 12px; }
main { padding: 16px 24px; }
section { background: #fff; border: 1px solid #dee2e6; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
h2 { margin: 0 0 8px; font-size: 18px; }
h2 small { font-weight: normal; color: #6c757d; font-size: 13px; }
.problems { border-color: #c92a2a; background: #fff5f5; }
.problems li, .errors li { font-family: ui-monospace, monospace; white-space: pre-wrap; }
.errors { color: #c92a2a; }
.slides { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0; }
.slides img { width: 240px; border: 1px solid #ced4da; background: #fff; }
.note { color: #6c757d; font-style: italic; }
.frames { display: flex; gap: 24px; align-items: flex-start; flex-wrap: wrap; }
.frames figure { margin: 0; }
.frames figcaption { color: #6c757d; font-size: 12px; }
iframe { border: 1px solid #ced4da; background: #fff; height: 900px; }
.phone { border: 12px solid #343a40; border-radius: 24px; height: 667px; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; padding: 3px 8px; border-bottom: 1px solid #e9ecef; vertical-align: top; }
.error { color: #c92a2a; } .warning { color: #e67700; } .info { color: #1971c2; }
</style>
</head>
<body>
<header><b>deckgen serve</b> build {{ snap.builds }} · {{ snap.last }}</header>
<main>
{% if snap.problems %}
<section class="problems">
<h2>Problems <small>the outputs below are the last good ones</small></h2>
<ul>{% for problem in snap.problems %}<li>{{ problem }}</li>{% endfor %}</ul>
</section>
{% endif %}
{% for entry in entries %}
<section class="doc" data-source="{{ entry.source_shown }}" data-theme="{{ entry.theme }}">
<h2>{{ entry.title }} <small>{{ entry.source_shown }} · theme {{ entry.theme }}</small></h2>
{% if entry.errors %}<ul class="errors">{% for e in entry.errors %}<li>{{ e }}</li>{% endfor %}</ul>{% endif %}
{% if entry.built %}
<p>
{% for label, url in entry.links %}<a href="{{ url }}">{{ label }}</a>{% if not loop.last %} · {% endif %}{% endfor %}
</p>
<div class="slides">
{% for url in entry.thumbs %}<img src="{{ url }}?v={{ snap.version }}" alt="slide {{ loop.index }}" loading="lazy">{% else %}
<p class="note">{{ snap.thumbs_note or "Slide thumbnails are being rendered by LibreOffice…" }}</p>
{% endfor %}
</div>
{% if entry.thumbs and snap.thumbs_note %}<p class="note">{{ snap.thumbs_note }}</p>{% endif %}
{% if entry.email %}
<div class="frames">
<figure><iframe class="desktop" src="{{ entry.email }}" width="600" title="newsletter, 600 px"></iframe>
<figcaption>600 px, as a webmail shows it</figcaption></figure>
<figure><iframe class="phone" src="{{ entry.email }}" width="375" title="newsletter on a phone"></iframe>
<figcaption>375 px phone</figcaption></figure>
</div>
{% endif %}
{% else %}
<p class="note">Not built yet.</p>
{% endif %}
</section>
{% else %}
<section><p class="note">{{ "Building…" if not snap.builds else "No content files." }}</p></section>
{% endfor %}
<section class="check">
<h2>Check{% if check %} <small>{{ check.summary.error }} error(s), {{ check.summary.warning }} warning(s), {{ check.summary.info }} note(s)</small>{% endif %}</h2>
{% if check %}
{% if check.findings %}
<table>
<tr><th>severity</th><th>where</th><th>theme</th><th>finding</th><th>rule</th></tr>
{% for f in check.findings %}
<tr class="{{ f.severity }}"><td>{{ f.severity }}</td><td>{{ f.path or "" }}{% if f.line %}:{{ f.line }}{% endif %}</td>
<td>{{ f.theme or "" }}</td><td>{{ f.message }}</td><td>{{ f.rule }}</td></tr>
{% endfor %}
</table>
{% else %}<p>Nothing to report.</p>{% endif %}
{% else %}<p class="note">{{ snap.check_note }}</p>{% endif %}
</section>
</main>
<script>
(function () {
  var version = {{ snap.version|tojson }};
  setInterval(function () {
    fetch("/state.json", {cache: "no-store"}).then(function (r) { return r.json(); })
      .then(function (s) { if (s.version !== version) { location.reload(); } })
      .catch(function () {});
  }, {{ poll_ms|tojson }});
  if (new URLSearchParams(location.search).has("report")) {
    window.addEventListener("load", function () {
      var emails = Array.prototype.map.call(document.querySelectorAll("section.doc"), function (s) {
        var frame = s.querySelector("iframe.desktop");
        var doc = frame && frame.contentDocument;
        var widths = Array.prototype.map.call(s.querySelectorAll("iframe"), function (f) {
          return f.contentDocument ? f.contentDocument.documentElement.clientWidth : null;
        });
        return {source: s.dataset.source, theme: s.dataset.theme, widths: widths,
                text: doc && doc.body ? doc.body.innerText : null};
      });
      fetch("/seen", {method: "POST", headers: {"Content-Type": "application/json"},
        body: JSON.stringify({version: version, builds: {{ snap.builds|tojson }}, emails: emails})});
    });
  }
})();
</script>
</body>
</html>
"""

_TEMPLATE = None


def render_page(preview: Preview) -> str:
    global _TEMPLATE
    if _TEMPLATE is None:
        import jinja2

        _TEMPLATE = jinja2.Environment(autoescape=True).from_string(PAGE)
    snap = preview.current()
    entries = []
    for entry in snap.entries:
        base = preview.out_dir / entry.theme / entry.stem
        links = [
            (label, preview.url(base.with_suffix(suffix)))
            for label, suffix in (
                ("deck (.pptx)", ".pptx"),
                ("web page", ".html"),
                ("plain text", ".txt"),
            )
            if base.with_suffix(suffix).is_file()
        ]
        entries.append(
            {
                **entry.__dict__,
                "source_shown": display_path(entry.source),
                "thumbs": preview.thumbnails(entry),
                "email": preview.email_url(entry),
                "links": links,
            }
        )
    return _TEMPLATE.render(snap=snap, entries=entries, check=snap.check, poll_ms=POLL_MS)


# --- the command ------------------------------------------------------------------------


def run_serve(
    paths: list[Path],
    themes: list[str],
    root: Path,
    port: int,
    debug: bool = False,
    stop: threading.Event | None = None,
) -> int:
    """Serve until Ctrl-C (or `stop`); the URL is printed once the server listens."""
    watcher = Watcher(paths, themes, root / "build", ("deck", "newsletter"), root, parallel=False)
    preview = Preview(watcher)
    try:
        server = PreviewServer(preview, port)
    except OSError as exc:
        raise DeckgenError(
            f"deckgen serve: cannot listen on {HOST}:{port}: {exc.strerror or exc}; "
            "another program uses it? try --port 0 for a free port"
        ) from None
    renderer = Renderer(preview)
    serving = threading.Thread(target=server.serve_forever, name="deckgen-http", daemon=True)
    serving.start()
    renderer.start()
    print(f"deckgen serve: preview at {server.url} (Ctrl-C to stop)", flush=True)

    def rebuilt(result: RebuildResult) -> None:
        preview.rebuilt(result)
        renderer.request(result)

    try:
        return run_watch(watcher, stop=stop, on_rebuild=rebuilt, debug=debug)
    finally:
        renderer.stop()
        server.shutdown()
        server.server_close()
        with contextlib.suppress(Exception):
            sys.stdout.flush()
