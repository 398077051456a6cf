"""LaTeX in Markdown, made readable: math (``$x^2$``, ``$$ ... $$``) and raw commands.

pylatexenc's latex2text turns LaTeX into Unicode text (``\\beta`` -> β, ``\\frac{a}{b}``
-> a/b, ``\\textbf{x}`` -> x); single-character sub- and superscripts become Unicode ones
(x_1 -> x₁, x^2 -> x²) where Unicode has them. A formula stays readable text on the slide
and in the email, never raw LaTeX.
"""

from __future__ import annotations

import re
from functools import lru_cache

SUPERSCRIPTS = str.maketrans("0123456789+-=()ni", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱ")
SUBSCRIPTS = str.maketrans("0123456789+-=()aeioxnmt", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑᵢₒₓₙₘₜ")
SCRIPT = re.compile(r"([_^])(\{([^{}]{1,4})\}|(\w))")


@lru_cache(maxsize=1)
def _converter():
    from pylatexenc.latex2text import LatexNodes2Text

    return LatexNodes2Text(math_mode="text", strict_latex_spaces=False)


def latex_text(text: str) -> str:
    """Raw LaTeX's text: commands dropped, their braced arguments kept."""
    try:
        out = _converter().latex_to_text(text)
    except Exception:  # pylatexenc is lenient, but a stray brace must never stop a build
        out = re.sub(r"\\[A-Za-z]+\*?", "", text).replace("{", "").replace("}", "")
    return " ".join(out.split())


SYMBOL_MARKS = re.compile("[\u20d0-\u20ff]")  # combining arrows over letters (\\vec)


def math_text(formula: str) -> str:
    """A formula as readable Unicode text. Combining marks for symbols (the arrow of \\vec)
    are left out: slide fonts draw them apart from their letter, far off."""
    return SYMBOL_MARKS.sub("", latex_text(_scripts(formula)))


def _scripts(formula: str) -> str:
    def sub(m: re.Match[str]) -> str:
        inner = m.group(3) if m.group(3) is not None else m.group(4)
        table = SUPERSCRIPTS if m.group(1) == "^" else SUBSCRIPTS
        converted = inner.translate(table)
        if all(ord(ch) > 127 for ch in converted if not ch.isspace()):
            return "{}" + converted  # {} ends a macro name before it: \\sum{}ᵢ
        return m.group(1) + (m.group(2))

    return SCRIPT.sub(sub, formula)
