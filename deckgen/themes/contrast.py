"""Colour contrast: WCAG 2 ratios, and the theme's colour pairs that readers must tell apart."""

from __future__ import annotations

from collections.abc import Sequence

from .schema import Colors, hex_color


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two hex colours (1 to 21)."""

    def luminance(color: str) -> float:
        channels = [int(color[k : k + 2], 16) / 255 for k in (0, 2, 4)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def contrast_problems(colors: Colors, link_color: str | None = None) -> list[tuple[str, str]]:
    """Colour pairs a reader must tell apart that miss WCAG AA (4.5:1): (message, key)."""
    pairs = [
        ("text", colors.text, colors.background, "text on the background"),
        ("primary", colors.primary, colors.background, "titles (primary) on the background"),
        (
            "background",
            colors.background,
            colors.primary,
            "table headers and the email header (background on primary)",
        ),
    ]
    if link_color:
        pairs.append(
            ("link_color", hex_color(link_color), colors.background, "links on the background")
        )
    problems = []
    for key, fg, bg, what in pairs:
        ratio = contrast_ratio(fg, bg)
        if ratio < 4.5:
            problems.append(
                (
                    f"contrast of {what} is {ratio:.1f}:1, under WCAG AA's 4.5:1 "
                    f"(#{fg} on #{bg}); darken or lighten one of them",
                    key,
                )
            )
    return problems


# --- choosing colours that can be read ------------------------------------------------------

AA_TEXT = 4.5  # WCAG AA for text
AA_LARGE = 3.0  # WCAG AA for text of 18 pt and up (14 pt bold), and for graphics
LARGE_TEXT_PT = 18.0


def required_ratio(size_pt: float, bold: bool = False) -> float:
    """WCAG AA's minimum contrast for text of that size."""
    return AA_LARGE if size_pt >= LARGE_TEXT_PT or (bold and size_pt >= 14) else AA_TEXT


def worst_ratio(color: str, behind: Sequence[str]) -> float:
    """The lowest contrast of `color` against the colours behind it (21 when none)."""
    return min((contrast_ratio(color, b) for b in behind), default=21.0)


def mix(a: str, b: str, amount: float) -> str:
    """`amount` (0..1) of the way from colour `a` to colour `b`."""
    ca = [int(a[k : k + 2], 16) for k in (0, 2, 4)]
    cb = [int(b[k : k + 2], 16) for k in (0, 2, 4)]
    return "".join(f"{round(x + (y - x) * amount):02X}" for x, y in zip(ca, cb, strict=True))


def readable(prefer: Sequence[str], behind: Sequence[str], ratio: float = AA_TEXT) -> str | None:
    """A text colour that reaches `ratio` against every colour in `behind`: the first of
    `prefer` that does, else the first of them darkened or lightened just enough (it stays
    recognisably the brand's colour), else black or white; None when nothing can (the box
    sits on both dark and light: it needs a fill of its own)."""
    prefer = [p for p in prefer if p]
    for color in prefer:
        if worst_ratio(color, behind) >= ratio:
            return color
    for color in prefer[:1]:
        for target in ("000000", "FFFFFF"):
            for step in range(1, 21):
                candidate = mix(color, target, step / 20)
                if worst_ratio(candidate, behind) >= ratio:
                    return candidate
    best = max(("000000", "FFFFFF"), key=lambda c: worst_ratio(c, behind))
    return best if worst_ratio(best, behind) >= ratio else None


def visible(color: str, behind: Sequence[str], ratio: float = AA_LARGE) -> str:
    """A graphic's colour (a chart series) made to stand out from what is behind it by
    `ratio` (WCAG's 3:1 for graphics), moved as little as it takes towards black or white."""
    if worst_ratio(color, behind) >= ratio:
        return color
    for step in range(1, 21):
        for target in ("000000", "FFFFFF"):
            candidate = mix(color, target, step / 20)
            if worst_ratio(candidate, behind) >= ratio:
                return candidate
    return max(("000000", "FFFFFF"), key=lambda c: worst_ratio(c, behind))
