"""A file's language, when neither its front matter nor ``[tool.deckgen]`` gives one: guessed
from its text by py3langid.

py3langid (a maintained fork of langid.py) was chosen after measuring the candidates on short
French and English slide texts: 35/40 right when restricted to the languages below, 0.05 ms a
text, a 4.5 MB model inside the package (nothing downloaded at run time), deterministic;
lingua-language-detector was as accurate (36/40) but is a 96 MB wheel and 4x slower; langdetect
is unmaintained since 2021, random unless seeded and 100x slower. A whole deck gives hundreds
of words, where all three agree.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The languages deckgen guesses among (a file in another one says so with `lang:`), and the
# tag each gets: runs are tagged for the spell checker, which wants a region.
TAGS = {
    "fr": "fr-FR",
    "en": "en-US",
    "de": "de-DE",
    "es": "es-ES",
    "it": "it-IT",
    "pt": "pt-PT",
    "nl": "nl-NL",
}
MIN_WORDS = 4  # fewer: no guess (a title alone is too little to tell)
WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def _identifier():
    import py3langid.langid as langid  # numpy and the model: loaded only when guessing

    langid.set_languages(list(TAGS))
    return langid


def guess_language(text: str) -> str | None:
    """The language tag of `text` (``fr-FR``, ``en-US``...), or None when there are too few
    words to tell."""
    words = WORD.findall(text)
    if len(words) < MIN_WORDS:
        return None
    code, _ = _identifier().classify(" ".join(words[:2000]))
    return TAGS.get(code)
