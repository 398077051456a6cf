"""Driving the real clients deckgen previews with: LibreOffice (slides to PDF), poppler's
pdftoppm (PDF pages to PNG) and headless Chromium (an email to PNG).

Each run gets a throw-away profile (LibreOffice and Chromium refuse to share one between
concurrent runs) and a time limit; a client that is missing or fails raises `ClientError`
with what to install or what went wrong.
"""

from __future__ import annotations

import html
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from .errors import DeckgenError

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",  # required when running as root (CI containers)
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)
INSTALL = {
    "soffice": "LibreOffice Impress (Debian: apt-get install libreoffice-impress)",
    "pdftoppm": "poppler (Debian: apt-get install poppler-utils)",
    "chromium": "Chromium (Debian: apt-get install chromium)",
}


class ClientError(DeckgenError):
    """A preview client is missing or failed. Exit code 1."""


def find_client(name: str) -> str:
    """The executable of a client, or `ClientError` saying what to install."""
    candidates = {"chromium": ("chromium", "chromium-browser", "google-chrome")}.get(
        name, (name,)
    )
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    raise ClientError(f"{name} not found: install {INSTALL.get(name, name)}")


def _run(cmd: list[str], timeout: float, env: dict[str, str] | None = None, cwd=None) -> None:
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # a timeout kills the whole group (soffice.bin too)
    )
    try:
        _, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.communicate()
        raise ClientError(f"{Path(cmd[0]).name} did not finish within {timeout:g} s") from None
    if proc.returncode != 0:
        tail = " ".join(stderr.strip().splitlines()[-2:])
        raise ClientError(f"{Path(cmd[0]).name} failed (exit code {proc.returncode}): {tail}")


def pptx_to_pdf(pptx: Path, outdir: Path, timeout: float = 180) -> Path:
    """The deck converted by LibreOffice (one PDF page per slide)."""
    soffice = find_client("soffice")
    outdir.mkdir(parents=True, exist_ok=True)
    pdf = outdir / (pptx.stem + ".pdf")
    pdf.unlink(missing_ok=True)  # never mistake a stale PDF for a fresh one
    with tempfile.TemporaryDirectory(prefix="deckgen-lo-") as home:
        _run(
            [
                soffice,
                f"-env:UserInstallation={Path(home, 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                "pdf",
                "--outdir",
                str(outdir.resolve()),
                str(pptx.resolve()),
            ],
            timeout,
            env=dict(os.environ, HOME=home, TMPDIR=home),
            cwd=home,
        )
    if not pdf.is_file() or pdf.stat().st_size == 0:
        raise ClientError(f"LibreOffice wrote no PDF for {pptx}")
    return pdf


def pdf_pages_to_png(pdf: Path, outdir: Path, first: int, last: int, width: int) -> list[Path]:
    """Pages `first`..`last` of a PDF as PNG files `width` pixels wide."""
    pdftoppm = find_client("pdftoppm")
    outdir.mkdir(parents=True, exist_ok=True)
    prefix = outdir / "slide"
    for old in outdir.glob("slide-*.png"):
        old.unlink()
    _run(
        [
            pdftoppm,
            "-png",
            "-f",
            str(first),
            "-l",
            str(last),
            "-scale-to-x",
            str(width),
            "-scale-to-y",
            "-1",
            str(pdf),
            str(prefix),
        ],
        120,
    )
    return sorted(outdir.glob("slide-*.png"))


def screenshot_html(page: str, width: int, height: int, out: Path, timeout: float = 90) -> Path:
    """An email rendered by headless Chromium in a frame `width` px wide (headless windows
    are at least 500 px wide: the frame sets the width the email sees)."""
    chromium = find_client("chromium")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="deckgen-chromium-") as work:
        harness = Path(work, "frame.html")
        harness.write_text(
            "<!DOCTYPE html><html><body style='margin:0;background:#fff'>"
            f"<iframe width='{width}' height='{height}' style='border:0' "
            f'srcdoc="{html.escape(page, quote=True)}"></iframe></body></html>',
            encoding="utf-8",
        )
        out.unlink(missing_ok=True)
        _run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={Path(work, 'profile')}",
                "--virtual-time-budget=3000",
                f"--screenshot={out.resolve()}",
                f"--window-size={max(width, 500)},{height}",
                harness.as_uri(),
            ],
            timeout,
            env=dict(os.environ, HOME=work),
        )
    if not out.is_file():
        raise ClientError("Chromium wrote no screenshot")
    return out
