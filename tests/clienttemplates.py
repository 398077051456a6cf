"""A client's template as a new user meets it: a project with the two samples, the
template set up by ``deckgen theme new client --template`` alone, the decks built on it;
and the template prompts a rendered deck still shows. Used by tests/test_templates.py and
bench/real_templates.py, so the benchmark measures what the tests assert."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from deckgen.build import build
from deckgen.cli import main

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "content").glob("*.md"))


@dataclass
class Setup:
    """One template set up and built on."""

    name: str
    template: Path
    project: Path
    decks: dict[str, Path] = field(default_factory=dict)  # sample stem -> deck
    output: str = ""  # what theme new printed
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # the build's
    overflows: list[str] = field(default_factory=list)  # its deck-overflow warnings


def set_up(name: str, template: Path, where: Path) -> Setup:
    """`template` set up by theme new in a fresh project under `where`, both samples built."""
    project = where / re.sub(r"[^\w.-]", "_", name)
    (project / "content").mkdir(parents=True)
    for sample in SAMPLES:
        shutil.copy(sample, project / "content" / sample.name)
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    setup = Setup(name, template, project)
    out = io.StringIO()
    with (
        contextlib.chdir(project),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(out),
    ):
        code = main(["theme", "new", "client", "--template", str(template)])
    setup.output = out.getvalue()
    if code != 0:
        setup.errors.append(f"theme new exited {code}: {setup.output}")
        return setup
    result = build([], ["client"], project / "build", ("deck",), root=project)
    setup.errors += [str(e) for e in result.errors] + [str(c) for c, _ in result.crashes]
    setup.warnings = [str(w) for w in result.warnings]
    setup.overflows = [str(w) for w in result.warnings if w.rule == "deck-overflow"]
    setup.decks = {w.path.stem: w.path for w in result.written}
    return setup


def prompts_shown(slides: Iterable, pages: Iterable) -> Iterator[tuple[int, str]]:
    """(slide number, prompt) for each prompt text of a slide's layout ("Click to add
    text", three words or more) that the rendered page of that slide shows."""
    for number, (slide, page) in enumerate(zip(slides, pages, strict=True), start=1):
        text = " ".join(page.text.split()).casefold()
        for ph in slide.slide_layout.placeholders:
            prompt = " ".join(ph.text_frame.text.split()) if ph.has_text_frame else ""
            if len(prompt.split()) >= 3 and prompt.casefold() in text:
                yield number, prompt
