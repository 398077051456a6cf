"""Plain Markdown and deckgen's own syntax: course notes, READMEs, GitHub-flavoured files.

No stages of its own: the common ones (lists, HTML, attributes) are what such files need;
slides start at headings (``##``; ``#`` sections), ``---`` starts an untitled slide.
"""

from __future__ import annotations

from . import Dialect

DIALECT = Dialect("markdown", "Markdown", keys={"dialect": "the dialect to read the file as"})
