"""deckgen serve: the page in a real browser following a save, errors shown, files served
safely, loopback only."""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from deckgen import clients
from deckgen.cli import main
from deckgen.serve import Preview, PreviewServer, Renderer, render_page, safe_path
from deckgen.watch import Watcher

REPO = Path(__file__).resolve().parent.parent

PYPROJECT = """[tool.deckgen]
unsubscribe_url = "https://lettre.example.com/desabonnement"
lang = "fr-FR"
"""

DOC = """---
title: "{title}"
theme: default
---

## Une diapositive

Un paragraphe : {text}.

![Un schéma](images/schema.png)

## Une autre

- un point
- un autre point
"""


def write_doc(path: Path, title: str = "Lettre d’essai", text: str = "premier texte") -> None:
    path.write_text(DOC.format(title=title, text=text), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    content = tmp_path / "content"
    (content / "images").mkdir(parents=True)
    Image.new("RGB", (400, 300), "#336699").save(content / "images" / "schema.png")
    write_doc(content / "lettre.md")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def served(project):
    """The HTTP side on a free port, after one build (no watch loop, no renderer)."""
    watcher = Watcher([], [], project / "build", ("deck", "newsletter"), project, parallel=False)
    preview = Preview(watcher)
    preview.rebuilt(watcher.initial_build())
    server = PreviewServer(preview, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def get(server: PreviewServer, path: str, host: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    headers = {"Host": host} if host else {}
    conn.request("GET", path, headers=headers)  # sent as is: no normalization of '..'
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


# --- serving files ---------------------------------------------------------------------


def test_serves_outputs_and_the_page_on_loopback_only(served, project):
    assert served.server_address[0] == "127.0.0.1"
    status, body = get(served, "/build/default/lettre.txt")
    assert status == 200 and "premier texte" in body.decode("utf-8")
    status, body = get(served, "/")
    assert status == 200 and b"Lettre d\xe2\x80\x99essai" in body
    assert b'class="desktop" src="/build/default/preview/lettre/email.html" width="600"' in body
    assert b'class="phone" src="/build/default/preview/lettre/email.html" width="375"' in body
    status, body = get(served, "/state.json")
    assert status == 200 and json.loads(body)["builds"] == 1


@pytest.mark.parametrize(
    "path",
    [
        "/../pyproject.toml",
        "/build/../pyproject.toml",
        "/build/%2e%2e/pyproject.toml",
        "/build/%2E%2E/pyproject.toml",
        "/build/..%2fpyproject.toml",
        "/build/..%2Fpyproject.toml",
        "/build/default/..%2f..%2fpyproject.toml",
        "/build/default/%2e%2e%2f%2e%2e%2fpyproject.toml",
        "/build/%252e%252e/pyproject.toml",  # double encoding
        "/build/..%5cpyproject.toml",  # backslash
        "/build/..\\pyproject.toml",
        "/build//etc/passwd",
        "/build/%2fetc%2fpasswd",
        "/build/default/lettre.txt%00.png",
        "/build/%ff%fe",
        "/build/.deckgen/send.sqlite",  # hidden: the send journal lives there
        "/build/outside/pyproject.toml",  # a link out of build/
        "/build/",
        "/pyproject.toml",
        "/content/lettre.md",
    ],
)
def test_no_file_outside_build_is_served(served, project, path):
    (project / "build" / ".deckgen").mkdir()
    (project / "build" / ".deckgen" / "send.sqlite").write_text("secret", encoding="utf-8")
    if not (project / "build" / "outside").exists():
        (project / "build" / "outside").symlink_to(project, target_is_directory=True)
    status, body = get(served, path)
    assert status in (403, 404), (path, status)
    assert b"tool.deckgen" not in body and b"secret" not in body and b"root:" not in body


def test_safe_path_keeps_to_the_folder(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.png").write_bytes(b"png")
    assert safe_path(tmp_path, "a/x.png") == (tmp_path / "a" / "x.png").resolve()
    assert safe_path(tmp_path, "a%2Fx.png") == (tmp_path / "a" / "x.png").resolve()
    for bad in ("a/../a/x.png", "a/./x.png", "a//x.png", "/a/x.png", "a", "", "a/" + "y" * 5000):
        assert safe_path(tmp_path, bad) is None, bad


def test_requests_for_another_host_name_are_refused(served):
    # DNS rebinding: a page on evil.example whose name now resolves to 127.0.0.1.
    status, _ = get(served, "/", host=f"evil.example:{served.port}")
    assert status == 403
    assert get(served, "/", host=f"localhost:{served.port}")[0] == 200


# --- the page --------------------------------------------------------------------------


def test_the_page_escapes_everything_from_the_content(project):
    write_doc(project / "content" / "lettre.md", title="<script>alert(1)</script> & «co»")
    watcher = Watcher([], [], project / "build", ("deck", "newsletter"), project, parallel=False)
    preview = Preview(watcher)
    preview.rebuilt(watcher.initial_build())
    page = render_page(preview)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; «" in page  # « then a no-break space


def test_a_failing_rebuild_shows_the_error_and_keeps_the_last_good_email(project):
    lettre = project / "content" / "lettre.md"
    watcher = Watcher([], [], project / "build", ("deck", "newsletter"), project, parallel=False)
    preview = Preview(watcher)
    preview.rebuilt(watcher.initial_build())
    email = project / "build" / "default" / "preview" / "lettre" / "email.html"
    good = email.read_bytes()
    assert "premier texte" in good.decode("utf-8")
    lettre.write_text(
        lettre.read_text(encoding="utf-8") + "\n```chart\ntype: donut\ndata:\n  A: 1\n```\n",
        encoding="utf-8",
    )
    line = lettre.read_text(encoding="utf-8").split("\n").index("type: donut") + 1
    version = preview.current().version
    preview.rebuilt(watcher.rebuild([lettre]))
    assert preview.current().version > version  # the open page reloads
    page = render_page(preview)
    assert f"content/lettre.md:{line}: " in page
    assert "the outputs below are the last good ones" in page
    assert "/build/default/preview/lettre/email.html" in page
    assert email.read_bytes() == good
    # Fixed: the problem goes, the email follows.
    write_doc(lettre, text="texte corrigé")
    preview.rebuilt(watcher.rebuild([lettre]))
    page = render_page(preview)
    assert "content/lettre.md:" not in page
    assert "texte corrigé" in email.read_text(encoding="utf-8")


def test_without_libreoffice_the_page_says_so(project, monkeypatch):
    watcher = Watcher([], [], project / "build", ("deck", "newsletter"), project, parallel=False)
    preview = Preview(watcher)
    result = watcher.initial_build()
    preview.rebuilt(result)
    monkeypatch.setenv("PATH", str(project / "nothing"))  # no soffice, no pdftoppm
    renderer = Renderer(preview)
    deck = project / "build" / "default" / "lettre.pptx"
    renderer._thumbnails("default", "lettre", deck)  # what the thread runs after a rebuild
    page = render_page(preview)
    assert "No slide thumbnails: soffice not found: install LibreOffice Impress" in page
    assert "/build/default/preview/lettre/email.html" in page  # the rest still shows


def test_the_check_report_is_on_the_page(project):
    pytest.importorskip("deckgen.check")
    watcher = Watcher([], [], project / "build", ("deck", "newsletter"), project, parallel=False)
    preview = Preview(watcher)
    preview.rebuilt(watcher.initial_build())
    (project / "content" / "images" / "nu.png").write_bytes(
        (project / "content" / "images" / "schema.png").read_bytes()
    )
    lettre = project / "content" / "lettre.md"
    lettre.write_text(
        lettre.read_text(encoding="utf-8") + "\n## Sans texte\n\n![](images/nu.png)\n",
        encoding="utf-8",
    )
    preview.rebuilt(watcher.rebuild([lettre]))
    Renderer(preview)._check()
    report = preview.current().check
    assert report is not None
    missing_alt = [f for f in report["findings"] if f["rule"] == "image-no-alt"]
    assert missing_alt and missing_alt[0]["path"] == "content/lettre.md"
    page = render_page(preview)
    assert "image-no-alt" in page and "content/lettre.md:" in page


def test_a_port_in_use_is_a_clear_error(project, capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port 0" in err


def test_the_port_must_be_a_port(project, capsys):
    assert main(["serve", "--port", "http"]) == 2
    assert "not a port number" in capsys.readouterr().err


# --- in a real browser ------------------------------------------------------------------


def _env() -> dict[str, str]:
    path = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    return dict(os.environ, PYTHONPATH=path, PYTHONUNBUFFERED="1")


def _wait(predicate, timeout: float, what: str, interval: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _seen(url: str) -> dict:
    """What the page last reported showing (it posts to /seen with ?report=1)."""
    conn = http.client.HTTPConnection("127.0.0.1", int(url.rsplit(":", 1)[1].strip("/")), timeout=5)
    try:
        conn.request("GET", "/seen")
        return json.loads(conn.getresponse().read()) or {}
    except OSError:
        return {}
    finally:
        conn.close()


def _seen_text(url: str) -> str:
    return "\n".join(e.get("text") or "" for e in _seen(url).get("emails", []))


def _stop(proc: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            pass
        proc.wait(timeout=20)


@pytest.mark.realclient
def test_the_page_in_chromium_shows_a_saved_change_within_3_s(project, tmp_path):
    from realclients import require_tool

    chromium = require_tool("chromium")
    log = project / "serve.log"
    with log.open("w") as handle:
        server = subprocess.Popen(
            [sys.executable, "-m", "deckgen", "serve", "--port", "0"],
            cwd=project,
            env=_env(),
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    browser = None
    try:
        found = _wait(
            lambda: re.search(r"preview at (http://127\.0\.0\.1:\d+/)", log.read_text()),
            60,
            "the URL",
        )
        url = found.group(1)
        _wait(lambda: "watching" in log.read_text(), 60, "the first build")
        browser = subprocess.Popen(
            [
                chromium,
                *clients.CHROMIUM_FLAGS,
                f"--user-data-dir={tmp_path / 'chromium-profile'}",
                "--remote-debugging-port=0",  # keeps headless Chromium running on the page
                "--window-size=1400,1000",
                url + "?report=1",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        _wait(lambda: "premier texte" in _seen_text(url), 60, "the page to load", 0.05)
        # The newsletter as a webmail (600 px) and a phone (375 px) show it.
        assert [e["widths"] for e in _seen(url)["emails"]] == [[600, 375]]
        saved = time.monotonic()
        write_doc(project / "content" / "lettre.md", text="texte enregistré à l’instant")
        _wait(
            lambda: "texte enregistré à l’instant" in _seen_text(url),
            20,
            "the page to show the change",
            0.02,
        )
        elapsed = time.monotonic() - saved
        print(f"save -> page showing it: {elapsed:.2f} s")
        assert elapsed < 3.0, f"the page showed the change {elapsed:.2f} s after the save"
        # Ctrl-C stops the server cleanly.
        os.killpg(server.pid, signal.SIGINT)
        assert server.wait(timeout=30) == 130
    finally:
        if browser is not None:
            _stop(browser)
        _stop(server)
    out = log.read_text()
    assert "Traceback" not in out, out
    assert "stopped serving" in out
