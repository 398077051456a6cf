"""Driving the real clients deckgen uses: LibreOffice (decks to PDF: previews, and the PDF
and handout outputs of ``deckgen build``), poppler's pdftoppm (PDF pages to PNG), headless
Chromium (an email to PNG) and fontconfig (which fonts LibreOffice will find).

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
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape

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
    "fc-list": "fontconfig (Debian: apt-get install fontconfig)",
}


class ClientError(DeckgenError):
    """A preview client is missing or failed. Exit code 1."""


def find_client(name: str) -> str:
    """The executable of a client, or `ClientError` saying what to install."""
    candidates = {"chromium": ("chromium", "chromium-browser", "google-chrome")}.get(name, (name,))
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
    return pptxs_to_pdf([pptx], outdir, timeout)[pptx]


def pptxs_to_pdf(decks: Sequence[Path], outdir: Path, timeout: float = 180) -> dict[Path, Path]:
    """Decks converted by one LibreOffice start (it costs seconds): deck -> its PDF, one
    page per slide. The decks need distinct file names (their PDFs share `outdir`)."""
    soffice = find_client("soffice")
    pdfs = {deck: outdir / (Path(deck).stem + ".pdf") for deck in decks}
    if len(set(pdfs.values())) != len(pdfs):
        raise ValueError("decks converted together need distinct file names")
    outdir.mkdir(parents=True, exist_ok=True)
    for pdf in pdfs.values():
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
                *(str(Path(deck).resolve()) for deck in decks),
            ],
            timeout,
            env=dict(os.environ, HOME=home, TMPDIR=home),
            cwd=home,
        )
    missing = [str(d) for d, pdf in pdfs.items() if not pdf.is_file() or pdf.stat().st_size == 0]
    if missing:
        raise ClientError(f"LibreOffice wrote no PDF for {', '.join(missing)}")
    return pdfs


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


# --- PDF and handouts: one LibreOffice per build -----------------------------------------

# Just enough of a LibreOffice profile for it to skip its first-start set-up (which would
# replace the Basic library below by its presets): our PDF export module in "My Macros"
# (always trusted), and the set-up marked done.
_REGISTRY = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" \
xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/Office"><prop oor:name="ooSetupInstCompleted" \
oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Misc"><prop oor:name="FirstRun" oor:op="fuse">\
<value>false</value></prop></item>
</oor:items>
"""
_LIBRARIES = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:libraries PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" \
"libraries.dtd">
<library:libraries xmlns:library="http://openoffice.org/2000/library" \
xmlns:xlink="http://www.w3.org/1999/xlink">
 <library:library library:name="Standard" library:link="false"/>
</library:libraries>
"""
_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" \
library:readonly="false" library:passwordprotected="false">
{elements}</library:library>
"""
_MODULE = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="DeckgenPdf" \
script:language="StarBasic">{code}</script:module>
"""


def _pdf_profile(folder: Path) -> None:
    """A LibreOffice profile holding deckgen's PDF export macro (deckgen/pdf_export.bas)."""
    basic = folder / "user" / "basic"
    (basic / "Standard").mkdir(parents=True)
    (folder / "user" / "registrymodifications.xcu").write_text(_REGISTRY, encoding="utf-8")
    for kind in ("script", "dialog"):
        (basic / f"{kind}.xlc").write_text(_LIBRARIES, encoding="utf-8")
    element = ' <library:element library:name="DeckgenPdf"/>\n'
    (basic / "Standard" / "script.xlb").write_text(
        _LIBRARY.format(elements=element), encoding="utf-8"
    )
    (basic / "Standard" / "dialog.xlb").write_text(_LIBRARY.format(elements=""), encoding="utf-8")
    code = resources.files(__package__).joinpath("pdf_export.bas").read_text(encoding="utf-8")
    (basic / "Standard" / "DeckgenPdf.xba").write_text(
        _MODULE.format(code=escape(code)), encoding="utf-8"
    )


@dataclass(frozen=True)
class PdfJob:
    """One deck to export: its slides PDF, its handout (notes pages), or both."""

    deck: Path
    slides: Path | None = None
    handout: Path | None = None


class PdfExport:
    """One LibreOffice for every deck of a build, started at once so that its start-up
    overlaps deckgen's own work, converting each deck as it is handed over (`add`) while
    the others are still rendered. `finish` waits for the last one and returns each job's
    problem (None when both of its PDFs were written). Use it as a context manager: leaving
    it stops LibreOffice and removes its profile, whatever happened.

    LibreOffice runs deckgen's Basic module (pdf_export.bas, "My Macros" of a fresh profile:
    trusted, no prompt); jobs and results are small files in a private folder."""

    def __init__(self) -> None:
        soffice = find_client("soffice")
        self._work = Path(tempfile.mkdtemp(prefix="deckgen-pdf-"))
        self._jobs: list[PdfJob] = []
        profile = self._work / "profile"
        _pdf_profile(profile)
        self._queue = self._work / "queue"
        self._queue.mkdir()
        home = self._work / "home"
        home.mkdir()
        self._log = (self._work / "soffice.log").open("wb")
        self._proc = subprocess.Popen(
            [
                soffice,
                f"-env:UserInstallation={profile.as_uri()}",
                "--headless",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nolockcheck",
                f'macro:///Standard.DeckgenPdf.Convert("{self._queue}")',
            ],
            env=dict(os.environ, HOME=str(home), TMPDIR=str(home)),
            cwd=home,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopping it stops soffice.bin too
        )

    def __enter__(self) -> PdfExport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def add(self, job: PdfJob) -> None:
        """Hand a deck over (it must be complete: LibreOffice may open it at once)."""
        self._jobs.append(job)
        fields = [
            job.deck.resolve().as_uri(),
            job.slides.resolve().as_uri() if job.slides else "",
            job.handout.resolve().as_uri() if job.handout else "",
        ]
        name = self._queue / f"job-{len(self._jobs)}.txt"
        partial = name.with_suffix(".part")
        partial.write_text("\t".join(fields) + "\n", encoding="ascii")
        partial.rename(name)  # whole, or not there

    def finish(self, timeout: float) -> list[str | None]:
        """Wait until every deck handed over is converted; each job's problem, in order."""
        if not self._jobs:
            self.close()
            return []
        (self._queue / "done").write_text("", encoding="ascii")
        deadline = time.monotonic() + timeout
        while self._proc.poll() is None and time.monotonic() < deadline:
            if len(self._statuses()) >= len(self._jobs):
                try:  # all converted: LibreOffice is closing; give it a moment
                    self._proc.wait(timeout=min(10.0, max(0.1, deadline - time.monotonic())))
                except subprocess.TimeoutExpired:
                    pass
                break
            time.sleep(0.02)
        statuses = self._statuses()
        if self._proc.poll() is None and len(statuses) < len(self._jobs):
            self.close()
            missing = len(self._jobs) - len(statuses)
            reason = f"LibreOffice did not convert {missing} deck(s) within {timeout:g} s"
        else:
            reason = "LibreOffice stopped before converting it" + self._log_tail()
        problems: list[str | None] = []
        for number, job in enumerate(self._jobs, start=1):
            state, message = statuses.get(number, ("error", reason))
            if state == "ok":
                wanted = [p for p in (job.slides, job.handout) if p is not None]
                empty = [p.name for p in wanted if not p.is_file() or p.stat().st_size == 0]
                problems.append(f"LibreOffice wrote no {', '.join(empty)}" if empty else None)
            else:
                problems.append(message.strip() or "LibreOffice could not convert it")
        return problems

    def _statuses(self) -> dict[int, tuple[str, str]]:
        path = self._queue / "status.txt"
        found: dict[int, tuple[str, str]] = {}
        if path.is_file():
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                state, _, rest = line.partition("\t")
                number, _, message = rest.partition("\t")
                if number.isdigit():
                    found[int(number)] = (state, message)
        return found

    def _log_tail(self) -> str:
        self._log.flush()
        lines = [
            line
            for line in (self._work / "soffice.log").read_text(errors="replace").splitlines()
            if line.strip() and "javaldx" not in line
        ]
        return f" ({' '.join(lines[-2:])})" if lines else ""

    def close(self) -> None:
        """Stop LibreOffice if it still runs, and remove its profile and queue."""
        if self._proc.poll() is None:
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self._proc.wait()
        self._log.close()
        shutil.rmtree(self._work, ignore_errors=True)


def libreoffice_fonts() -> frozenset[str] | None:
    """The font families LibreOffice will find on this machine (it asks fontconfig, as
    ``fc-list`` does), lower case; None when fontconfig's fc-list is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    proc = subprocess.run(
        [fc_list, ":", "family"], capture_output=True, text=True, timeout=60, check=False
    )
    families = set()
    for line in proc.stdout.splitlines():
        families.update(name.strip().lower() for name in line.split(",") if name.strip())
    return frozenset(families)


def pdf_timeout(slides: int) -> float:
    """How long LibreOffice may take for decks of `slides` slides in all (it converts about
    50 slides a second here; a slow, busy machine gets 20 times that, plus its start)."""
    return 120.0 + 0.5 * slides
