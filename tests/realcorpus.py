"""Real inputs that others made (templates, decks), downloaded from the package registries.

Files that the search tool's ``fetch`` brings are never committed (the tool library's rule),
so the corpus that CI tests on comes from what CI can reach: PyPI, npm and Debian. Each entry
of ``tests/fixtures/real/SOURCES.toml`` names a package at a pinned version and the files to
take out of it::

    [[entry]]
    name = "pandoc-reference"          # folder of the entry in the corpus
    kind = "template"                  # template | deck
    registry = "pypi"                  # pypi | npm | debian
    package = "pypandoc-binary"
    version = "1.17"                   # exact (Debian: optional, the archive keeps one)
    members = ["pypandoc/files/reference.pptx"]   # paths (or globs) inside the archive
    sha256 = { "reference.pptx" = "..." }         # optional, per file taken
    licence = "GPL-2.0-or-later"
    made_by = "pandoc's authors, saved by PowerPoint"
    traits = ["16:9", "PowerPoint 2013+"]

``python tests/realcorpus.py fetch`` (called by ``.ci/run``) downloads every entry once into
the corpus folder (``$DECKGEN_CORPUS``, default ``.corpus/`` at the project root, ignored by
git); tests call `entries(kind)`, which skips (or fails under ``DECKGEN_REQUIRE_CLIENTS=1``)
when the corpus was not fetched. Files keep their path below the member's folder.
"""

from __future__ import annotations

import fnmatch
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "tests" / "fixtures" / "real" / "SOURCES.toml"
DONE = ".fetched.json"


def corpus_dir() -> Path:
    return Path(os.environ.get("DECKGEN_CORPUS", ROOT / ".corpus"))


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str
    registry: str
    package: str
    version: str = ""
    members: tuple[str, ...] = ()
    sha256: dict[str, str] = field(default_factory=dict)
    licence: str = ""
    made_by: str = ""
    traits: tuple[str, ...] = ()
    options: dict[str, object] = field(default_factory=dict)  # free per-entry test options

    @property
    def folder(self) -> Path:
        return corpus_dir() / self.name

    def files(self) -> list[Path]:
        """The files taken out of the package, sorted."""
        return sorted(p for p in self.folder.rglob("*") if p.is_file() and p.name != DONE)


def load_sources(path: Path = SOURCES) -> list[Entry]:
    if not path.is_file():
        return []
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    out = []
    for raw in data.get("entry", []):
        raw = dict(raw)
        raw["members"] = tuple(raw.get("members", ()))
        raw["traits"] = tuple(raw.get("traits", ()))
        out.append(Entry(**raw))
    names = [e.name for e in out]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"{path}: entry names used twice: {sorted(duplicates)}")
    return out


def entries(kind: str) -> list[Entry]:
    """The fetched entries of one kind; skips the test (fails in CI) when none were fetched."""
    import pytest
    from realclients import REQUIRE_ENV, clients_required

    wanted = [e for e in load_sources() if e.kind == kind]
    missing = [e.name for e in wanted if not (e.folder / DONE).is_file()]
    if missing or not wanted:
        reason = (
            f"the real {kind} corpus is not fetched ({', '.join(missing) or 'no entries'}): "
            f"run python tests/realcorpus.py fetch"
        )
        if clients_required():
            pytest.fail(f"{reason} ({REQUIRE_ENV}=1)", pytrace=False)
        pytest.skip(reason)
    return wanted


# --- downloading ------------------------------------------------------------------------


def _download(entry: Entry, work: Path) -> Path:
    """The package archive, downloaded into `work`."""
    if entry.registry == "pypi":
        spec = f"{entry.package}=={entry.version}" if entry.version else entry.package
        cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", str(work)]
        if entry.options.get("sdist"):
            cmd += ["--no-binary", ":all:"]
        subprocess.run([*cmd, spec], check=True)
    elif entry.registry == "npm":
        spec = f"{entry.package}@{entry.version}" if entry.version else entry.package
        subprocess.run(
            ["npm", "pack", "--silent", spec], cwd=work, check=True, stdout=subprocess.DEVNULL
        )
    elif entry.registry == "debian":
        spec = f"{entry.package}={entry.version}" if entry.version else entry.package
        subprocess.run(["apt-get", "download", "-q", spec], cwd=work, check=True)
    else:
        raise ValueError(f"{entry.name}: unknown registry {entry.registry!r}")
    found = [p for p in work.iterdir() if p.is_file()]
    if len(found) != 1:
        raise RuntimeError(f"{entry.name}: expected one downloaded archive, found {found}")
    return found[0]


def _members(archive: Path) -> dict[str, bytes | None]:
    """Member name -> bytes reader, for wheels/zips, tarballs and .deb packages."""
    name = archive.name
    if name.endswith((".whl", ".zip")):
        with zipfile.ZipFile(archive) as z:
            return {i.filename: z.read(i) for i in z.infolist() if not i.is_dir()}
    if name.endswith((".tgz", ".tar.gz", ".tar.xz", ".tar.bz2")):
        with tarfile.open(archive) as t:
            return {m.name: t.extractfile(m).read() for m in t.getmembers() if m.isfile()}  # type: ignore[union-attr]
    if name.endswith(".deb"):
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run(["dpkg-deb", "-x", str(archive), tmp], check=True)
            base = Path(tmp)
            return {
                str(p.relative_to(base)): p.read_bytes() for p in base.rglob("*") if p.is_file()
            }
    raise ValueError(f"cannot open {archive}")


def fetch_entry(entry: Entry) -> list[Path]:
    """Download one entry and take its files out; returns them."""
    if (entry.folder / DONE).is_file():
        return entry.files()
    with tempfile.TemporaryDirectory() as tmp:
        archive = _download(entry, Path(tmp))
        members = _members(archive)
    taken: dict[str, bytes] = {}
    for pattern in entry.members:
        hits = sorted(m for m in members if fnmatch.fnmatchcase(m, pattern))
        if not hits:
            raise RuntimeError(f"{entry.name}: nothing matches {pattern!r} in {archive.name}")
        # Keep paths below the pattern's fixed folder: "pkg/docs/*.md" -> "x.md".
        fixed = pattern.split("*")[0].rsplit("/", 1)[0] if "/" in pattern else ""
        for hit in hits:
            rel = hit[len(fixed) :].lstrip("/") if fixed and hit.startswith(fixed) else hit
            taken[rel] = members[hit]  # type: ignore[assignment]
    for rel, digest in entry.sha256.items():
        data = taken.get(rel)
        if data is None:
            raise RuntimeError(f"{entry.name}: sha256 given for {rel!r}, which was not taken")
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            raise RuntimeError(f"{entry.name}: {rel} has sha256 {actual}, expected {digest}")
    if entry.folder.exists():
        shutil.rmtree(entry.folder)
    zip_to = entry.options.get("zip_to")
    if zip_to:  # a package shipped unzipped (pandoc-data's reference.pptx): zip it back
        taken = {str(zip_to): _zipped(taken)}
    for rel, data in taken.items():
        target = entry.folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    convert = entry.options.get("convert_with")
    if convert:
        _convert(entry.folder, str(convert))
    (entry.folder / DONE).write_text(
        json.dumps({"package": entry.package, "version": entry.version, "files": sorted(taken)})
    )
    return entry.files()


def _zipped(files: dict[str, bytes]) -> bytes:
    """The files as one zip archive, [Content_Types].xml first as Office writes it."""
    buffer = io.BytesIO()
    order = sorted(files, key=lambda name: (name != "[Content_Types].xml", name))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in order:
            archive.writestr(name, files[name])
    return buffer.getvalue()


def _convert(folder: Path, how: str) -> None:
    """ODF templates (.otp, .odp) converted by LibreOffice to the format `how` names
    ("soffice --headless --convert-to pptx"), in one soffice run, the originals removed:
    the corpus then holds LibreOffice-saved .pptx files."""
    target = how.split("--convert-to", 1)[1].split()[0] if "--convert-to" in how else "pptx"
    sources = sorted(p for p in folder.rglob("*") if p.suffix.lower() in (".otp", ".odp"))
    if not sources:
        raise RuntimeError(f"{folder.name}: convert_with given but no .otp/.odp file taken")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise RuntimeError(
            f"{folder.name}: needs LibreOffice (apt-get install libreoffice-impress)"
        )
    with tempfile.TemporaryDirectory() as profile:
        for parent in sorted({p.parent for p in sources}):
            batch = [str(p) for p in sources if p.parent == parent]
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    target,
                    "--outdir",
                    str(parent),
                    *batch,
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=900,
                env={**os.environ, "HOME": profile},
            )
    for source in sources:
        if not source.with_suffix("." + target).is_file():
            raise RuntimeError(f"{folder.name}: LibreOffice did not convert {source.name}")
        source.unlink()


def main(argv: list[str]) -> int:
    if argv[:1] != ["fetch"]:
        print(
            "usage: python tests/realcorpus.py fetch [--sources FILE] [NAME ...]", file=sys.stderr
        )
        return 2
    args = argv[1:]
    sources = SOURCES
    if args[:1] == ["--sources"] and len(args) > 1:
        sources, args = Path(args[1]), args[2:]
    wanted = set(args)
    failed = 0
    for entry in load_sources(sources):
        if wanted and entry.name not in wanted:
            continue
        try:
            files = fetch_entry(entry)
            print(f"{entry.name}: {len(files)} file(s) from {entry.registry}:{entry.package}")
        except (subprocess.CalledProcessError, RuntimeError, ValueError, OSError) as exc:
            failed += 1
            print(f"{entry.name}: not fetched: {exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.stdout = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", line_buffering=True)
    raise SystemExit(main(sys.argv[1:]))
