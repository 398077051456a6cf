"""The caniemail compatibility checker: packaged data, feature detection and findings.

Expected support values are the ones in the packaged caniemail snapshot (see
deckgen/mail/caniemail.json): when the data is refreshed, a changed value here is a change in
the data, to review.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deckgen.mail import caniemail, update_caniemail
from deckgen.mail.caniemail import (
    DEFAULT_CLIENTS,
    check_html,
    declaration_features,
    load_support,
    mapped_slugs,
    scan_html,
    selector_features,
)
from deckgen.mail.update_caniemail import DEFAULT_SOURCE, OUTPUT, compile_caniemail, dumps, main

CLIENTS = {
    "outlook.windows": "Outlook (Windows)",
    "gmail.desktop-webmail": "Gmail (Desktop Webmail)",
    "gmail.android": "Gmail (Android)",
    "gmail.ios": "Gmail (iOS)",
    "apple-mail.macos": "Apple Mail (macOS)",
    "apple-mail.ios": "Apple Mail (iOS)",
}
GMAIL = ("gmail.desktop-webmail", "gmail.android", "gmail.ios")

# A "modern" email: flexbox, rounded corners, a background image, a media query, a video, a
# form and an inline SVG. The style attribute spans two lines (11 and 12).
MODERN = """<!DOCTYPE html>
<html lang="en">
<head>
<style>
@media (max-width: 600px) {
  .stack { width: 100%; }
}
</style>
</head>
<body>
<div style="display:flex; border-radius:8px;
            background-image:url('https://example.com/bg.png')">
  <video controls width="320" src="https://example.com/clip.mp4"></video>
</div>
<form action="https://example.com/subscribe" method="post">
  <input type="text" name="email"><input type="submit" value="Subscribe">
</form>
<svg width="24" height="24" viewBox="0 0 24 24"><circle cx="12" cy="12" r="10"/></svg>
</body>
</html>
"""

# A conservative table-based email: tables, width/cellpadding attributes, inline color,
# font-family, font-size and padding.
CONSERVATIVE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>News</title></head>
<body style="margin:0; padding:0;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0">
  <tr>
    <td align="center" style="padding:24px 16px; color:#222222; font-family:Arial, Helvetica, sans-serif; font-size:16px;">
      <table role="presentation" width="600" cellpadding="0" cellspacing="0">
        <tr><td style="padding:12px; color:#1a1a1a; background-color:#ffffff;">Hello <a href="https://example.com" style="color:#0b57d0;">world</a></td></tr>
      </table>
    </td>
  </tr>
</table>
</body>
</html>
"""


def keys(findings):
    return [(f.line, f.feature, f.client, f.support) for f in findings]


# ------------------------------------------------------------------------- packaged data


def test_packaged_data_has_the_six_clients_and_every_feature():
    support = load_support()
    assert dict(caniemail.client_names()) == CLIENTS
    assert DEFAULT_CLIENTS == update_caniemail.CLIENTS
    assert set(DEFAULT_CLIENTS) == set(CLIENTS)
    assert 290 <= len(support) <= 400  # 307 in the 2026-06 snapshot
    assert "_template" not in support
    flex = support["css-display-flex"]
    assert (flex.title, flex.category) == ("display:flex", "css")
    assert flex.support["outlook.windows"].value == "n"
    assert flex.support["gmail.android"].value == "a"
    assert flex.support["gmail.android"].notes == ("Not supported with non Google accounts.",)
    # Every feature has the six clients, except where caniemail has no data for one.
    incomplete = {slug for slug, f in support.items() if set(f.support) != set(CLIENTS)}
    assert incomplete == {"css-word-wrap"}  # not tested on Gmail iOS
    assert OUTPUT.stat().st_size < 300_000


def test_packaged_data_is_sorted_json():
    text = OUTPUT.read_text(encoding="utf-8")
    assert text == dumps(json.loads(text))


def test_regenerating_from_the_caniemail_data_gives_the_packaged_json():
    if not (DEFAULT_SOURCE / "features").is_dir():
        pytest.skip(f"no caniemail data at {DEFAULT_SOURCE} (it sits beside the repository)")
    compiled = dumps(compile_caniemail(DEFAULT_SOURCE))
    assert compiled == OUTPUT.read_text(encoding="utf-8"), (
        "caniemail.json is out of date: run python -m deckgen.mail.update_caniemail"
    )
    assert main([str(DEFAULT_SOURCE), "--check"]) == 0


def test_every_slug_the_scanner_reports_has_a_caniemail_page():
    assert mapped_slugs() - load_support().keys() == set()


# ----------------------------------------------------------------------------- findings


def test_modern_email_findings():
    findings = check_html(MODERN)
    assert keys(findings) == [
        (1, "html-doctype", "outlook.windows", "n"),
        (5, "css-at-media", "outlook.windows", "n"),
        (11, "css-border-radius", "outlook.windows", "n"),
        (11, "css-display-flex", "outlook.windows", "n"),
        (12, "css-background-image", "outlook.windows", "n"),
        (13, "html-video", "gmail.android", "n"),
        (13, "html-video", "gmail.desktop-webmail", "n"),
        (13, "html-video", "gmail.ios", "n"),
        (13, "html-video", "outlook.windows", "n"),
        (15, "html-form", "outlook.windows", "n"),
        (16, "html-input-submit", "outlook.windows", "n"),
        (16, "html-input-text", "outlook.windows", "n"),
        (18, "html-svg", "gmail.android", "n"),
        (18, "html-svg", "gmail.desktop-webmail", "n"),
        (18, "html-svg", "gmail.ios", "n"),
        (18, "html-svg", "outlook.windows", "n"),
    ]
    by_key = {(f.feature, f.client): f for f in findings}
    flex = by_key["css-display-flex", "outlook.windows"]
    assert flex.title == "display:flex"
    assert flex.client_name == "Outlook (Windows)"
    assert flex.where == '<div style="display:flex">'
    radius = by_key["css-border-radius", "outlook.windows"]
    assert radius.where == '<div style="border-radius:8px">'
    assert "RoundRect" in radius.notes[0]  # caniemail's note #1: use VML
    background = by_key["css-background-image", "outlook.windows"]
    assert background.where == "<div style=\"background-image:url('https://example.com/bg.png')\">"
    assert "VML" in background.notes[0]
    assert by_key["css-at-media", "outlook.windows"].where == "@media (max-width: 600px)"
    video = by_key["html-video", "gmail.desktop-webmail"]
    assert video.where.startswith("<video controls")
    assert video.notes == (
        "`<video>`, `<source>` and `<track>` tags are replaced by `<u></u>` tags.",
    )
    assert by_key["html-svg", "gmail.ios"].title == "Embedded <svg> image"
    # Apple Mail supports all of it (partially the video on iOS and the SVG on macOS).
    assert not [f for f in findings if f.client.startswith("apple-mail")]


def test_findings_agree_with_the_data():
    support = load_support()
    for f in check_html(MODERN, partial=True):
        s = support[f.feature].support[f.client]
        assert (f.support, f.notes) == (s.value, s.notes)


def test_partial_adds_the_partially_supported_features():
    strict = keys(check_html(MODERN))
    loose = keys(check_html(MODERN, partial=True))
    added = sorted(set(loose) - set(strict))
    assert set(strict) <= set(loose)
    assert all(support == "a" for *_, support in added)
    for key in [
        (5, "css-at-media", "gmail.desktop-webmail", "a"),  # no height-based media queries
        (5, "css-at-media", "gmail.android", "a"),
        (11, "css-display-flex", "gmail.android", "a"),  # not with non-Google accounts
        (11, "css-display-flex", "gmail.ios", "a"),
        (13, "html-video", "apple-mail.ios", "a"),  # needs the controls attribute
        (15, "html-form", "gmail.ios", "a"),
        (18, "html-svg", "apple-mail.macos", "a"),
    ]:
        assert key in added


def test_conservative_email_only_lacks_the_doctype_in_outlook():
    # Nothing basic is unsupported; Outlook ignores the HTML5 doctype ("n" in caniemail).
    findings = check_html(CONSERVATIVE)
    assert keys(findings) == [(1, "html-doctype", "outlook.windows", "n")]
    assert findings[0].notes == ("Not supported. The HTML5 doctype has no impact here.",)
    assert check_html(CONSERVATIVE, allow={"html-doctype"}) == []
    # Partial support, per the data: padding only on table cells in Outlook, margin without
    # negative values, <body> replaced by a <div> in Gmail, width attributes in 120 dpi mode.
    partial = {(f.feature, f.client) for f in check_html(CONSERVATIVE, partial=True)}
    assert {
        ("css-padding", "outlook.windows"),
        ("css-font-size", "outlook.windows"),
        ("html-width", "outlook.windows"),
        ("css-margin", "gmail.desktop-webmail"),
        ("html-body", "gmail.desktop-webmail"),
    } <= partial
    # color, font-family, background-color, tables, cellpadding are fully supported.
    assert not {f for f, _ in partial} & {"css-background-color", "html-table", "html-cellpadding"}


def test_allow_removes_findings():
    allowed = {"css-display-flex", "html-svg", "html-doctype"}
    findings = check_html(MODERN, allow=allowed)
    assert not {f.feature for f in findings} & allowed
    assert keys(findings) == [k for k in keys(check_html(MODERN)) if k[1] not in allowed]
    with pytest.raises(ValueError, match="css-display-flx"):
        check_html(MODERN, allow={"css-display-flx"})


def test_clients_selects_and_validates():
    findings = check_html(MODERN, clients=["gmail.desktop-webmail"])
    assert {f.client for f in findings} == {"gmail.desktop-webmail"}
    assert [f.feature for f in findings] == ["html-video", "html-svg"]
    with pytest.raises(ValueError, match="unknown client"):
        check_html(MODERN, clients=["outlook.com"])


def test_unknown_support_is_reported_on_request():
    html = '<p style="cursor:pointer; word-wrap:break-word">x</p>'
    assert check_html(html, clients=["outlook.windows", "gmail.ios"]) == [
        f for f in check_html(html, clients=["outlook.windows", "gmail.ios"]) if f.support == "n"
    ]
    unknown = {
        (f.feature, f.client): f
        for f in check_html(html, clients=["outlook.windows", "gmail.ios"], unknown=True)
        if f.support == "u"
    }
    assert set(unknown) == {("css-cursor", "outlook.windows"), ("css-word-wrap", "gmail.ios")}
    assert unknown["css-word-wrap", "gmail.ios"].notes == (
        "caniemail has no data for this client.",
    )


def test_one_finding_per_feature_client_and_line_sorted():
    html = (
        '<div style="display:flex"><div style="display:flex">a</div></div>\n'
        '<p style="border-radius:2px">b</p>\n'
        '<div style="display:grid; display:flex">c</div>\n'
    )
    findings = check_html(html, clients=["outlook.windows"])
    assert keys(findings) == [
        (1, "css-display-flex", "outlook.windows", "n"),
        (2, "css-border-radius", "outlook.windows", "n"),
        (3, "css-display-flex", "outlook.windows", "n"),
        (3, "css-display-grid", "outlook.windows", "n"),
    ]
    assert findings == sorted(findings, key=lambda f: (f.line, f.feature, f.client))


# ---------------------------------------------------------------------------- detection


def used(html):
    return {(u.line, u.feature) for u in scan_html(html)}


@pytest.mark.parametrize(
    ("prop", "value", "expected"),
    [
        ("padding-left", "10px", ["css-padding", "css-unit-px"]),
        ("margin", "0 auto", ["css-margin"]),
        ("border-top-color", "#ccc", ["css-border"]),
        ("border-top-left-radius", "4px", ["css-border-radius", "css-unit-px"]),
        ("border-start-end-radius", "4px", ["css-border-radius-logical", "css-unit-px"]),
        (
            "-webkit-box-shadow",
            "0 1px 2px rgba(0,0,0,.5)",
            ["css-box-shadow", "css-rgba", "css-unit-px"],
        ),
        ("color", "#1e90ff", []),
        ("font-family", "'Segoe UI', Arial, sans-serif", []),
        ("font-family", "system-ui, sans-serif", ["css-sytem-ui"]),
        ("display", "inline-flex", ["css-display", "css-display-flex"]),
        ("display", "none", ["css-display", "css-display-none"]),
        ("background", "linear-gradient(#fff, #000)", ["css-background", "css-linear-gradient"]),
        ("background-image", "url(a.webp)", ["css-background-image", "image-webp"]),
        (
            "width",
            "calc(100% - 2rem)",
            ["css-width", "css-unit-calc", "css-unit-percent", "css-unit-rem"],
        ),
        (
            "max-width",
            "min(600px, 100%)",
            ["css-max-width", "css-function-min", "css-unit-px", "css-unit-percent"],
        ),
        ("--brand", "#f00", ["css-variables"]),
        ("color", "var(--brand)", ["css-variables"]),
        ("top", "0", ["css-left-right-top-bottom"]),
        ("column-gap", "1em", ["css-gap", "css-unit-em"]),
        ("transition-duration", ".2s", ["css-transition"]),
        ("mso-padding-alt", "10px", []),
        ("content", '"10px;{"', []),
    ],
)
def test_declaration_features(prop, value, expected):
    assert declaration_features(prop, value) == expected


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("td", {"css-selector-type"}),
        (".a.b", {"css-selector-class", "css-selector-chaining"}),
        ("#x", {"css-selector-id"}),
        ("*", {"css-selector-universal"}),
        (
            "u + .body .x",
            {
                "css-selector-type",
                "css-selector-adjacent-sibling",
                "css-selector-class",
                "css-selector-descendant",
            },
        ),
        (
            "ul > li:first-child",
            {"css-selector-type", "css-selector-child", "css-pseudo-class-first-child"},
        ),
        (
            "a:hover, a:focus",
            {
                "css-selector-grouping",
                "css-selector-type",
                "css-pseudo-class-hover",
                "css-pseudo-class-focus",
            },
        ),
        (
            "[data-ogsc] p ~ p",
            {
                "css-selector-attribute",
                "css-selector-descendant",
                "css-selector-type",
                "css-selector-general-sibling",
            },
        ),
        (
            "p::before, p:after",
            {
                "css-selector-grouping",
                "css-selector-type",
                "css-pseudo-element-before",
                "css-pseudo-element-after",
            },
        ),
        (
            "li:not(.x):nth-child(2n+1)",
            {
                "css-selector-type",
                "css-pseudo-class-not",
                "css-selector-class",
                "css-pseudo-class-nth-child",
            },
        ),
    ],
)
def test_selector_features(selector, expected):
    assert set(selector_features(selector)) == expected


def test_style_sheet_detection_and_lines():
    html = """<html><head>
<style>
/* dark mode */
@media (prefers-color-scheme: dark) {
  .card { background: #000 !important; }
}
@font-face { font-family: Inter; src: url(data:font/woff2;base64,AAA;) format("woff2"); }
@import url("https://example.com/x.css");
@keyframes spin { from { transform: rotate(0deg); } to { transform: rotate(360deg); } }
.btn:hover { color: red; }
.card { & .title { color: red; } }
</style></head></html>"""
    found = used(html)
    for line, feature in [
        (2, "html-style"),
        (3, "css-comments"),
        (4, "css-at-media"),
        (4, "css-at-media-prefers-color-scheme"),
        (5, "css-selector-class"),
        (5, "css-background"),
        (5, "css-important"),
        (7, "css-at-font-face"),
        (8, "css-at-import"),
        (9, "css-at-keyframes"),
        (9, "css-transform"),
        (10, "css-pseudo-class-hover"),
        (11, "css-nesting"),
    ]:
        assert (line, feature) in found
    # The font's data: URL is not an image, keyframe selectors are not type selectors.
    assert not {f for _, f in found} & {"image-base64", "css-selector-type"}


def test_html_elements_attributes_and_images():
    html = """<!DOCTYPE html>
<html lang="fr" dir="ltr">
<body>
<h2>Title</h2><ul><li>a</li></ul><section>s</section>
<a href="#top" target="_blank">top</a> <a href="mailto:a@example.com">mail</a>
<img src="https://example.com/a.webp" srcset="https://example.com/a@2x.avif 2x" alt=""
     loading="lazy">
<picture><source srcset="b.avif"><img src="b.jpg" alt=""></picture>
<meta name="color-scheme" content="light dark">
<button type="reset">r</button><input type="checkbox"><select><option>1</option></select>
<svg width="10" height="10"><style>path { fill: red }</style><path d="M0 0"/></svg>
<!-- a comment -->
</body></html>"""
    found = used(html)
    for line, feature in [
        (1, "html-doctype"),
        (2, "html-lang"),
        (2, "html-dir"),
        (4, "html-h1-h6"),
        (4, "html-lists"),
        (4, "html-semantics"),
        (5, "html-anchor-links"),
        (5, "html-target"),
        (5, "html-mailto-links"),
        (6, "html-img"),
        (6, "image-webp"),
        (6, "image-avif"),
        (6, "html-srcset"),
        (7, "html-loading-attribute"),  # the attribute's own line
        (8, "html-picture"),
        (8, "image-jpg"),
        (9, "html-meta-color-scheme"),
        (10, "html-button-reset"),
        (10, "html-input-checkbox"),
        (10, "html-select"),
        (11, "html-svg"),
        (12, "html-comments"),
    ]:
        assert (line, feature) in found
    # Inside <svg>, elements and width/height are SVG, not HTML.
    assert (11, "html-width") not in found
    assert (11, "html-style") not in found


def test_strings_urls_and_comments_do_not_break_declarations():
    html = (
        '<td style="background:url(data:image/png;base64,iVBOR=) no-repeat; '
        "/* a; b */ content:'x;y{'; border-radius:3px /* c */ !important\">x</td>"
    )
    radius = [u for u in scan_html(html) if u.feature == "css-border-radius"]
    assert [u.where for u in radius] == ['<td style="border-radius:3px !important">']
    assert {f for _, f in used(html)} == {
        "css-background",
        "image-png",
        "image-base64",
        "css-comments",
        "css-border-radius",
        "css-unit-px",
        "css-important",
    }


def test_unclosed_style_and_upper_case():
    found = used("<p>x</p>\n<STYLE>\n@MEDIA screen { .A:HOVER { Display: FLEX } }")
    assert {(3, "css-at-media"), (3, "css-pseudo-class-hover"), (3, "css-display-flex")} <= found


_CSS_BITS = st.sampled_from(
    list("{}();:,.#*>+~[]='\"/\\ \n@-!%&<")
    + ["url(", "/*", "*/", "@media ", "@font-face", "display:flex", "!important", "<!--", "-->"]
    + ["td", ":hover", "::before", "calc(", "rgb(", "var(--x)", "@keyframes", "\r\n", "</style>"]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_CSS_BITS, max_size=40).map("".join))
def test_any_css_scans_without_error_and_lines_stay_in_the_document(css):
    html = f"<style>\n{css}\n</style>\n<div style='{css}'>x</div>\n"
    last = html.count("\n") + 1
    assert all(1 <= u.line <= last for u in scan_html(html))
    check_html(html, partial=True, unknown=True)
