"""Colour contrast: WCAG 2 ratios, and the theme's colour pairs that readers must tell apart."""

from __future__ import annotations

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
