"""Stages every dialect goes through after its own: what real Markdown files hold that
Python-Markdown would show as markup, lose or misread.

- `html_comments`: a comment the dialect did not make notes of is dropped, with a warning;
- `html_wrappers`: ``<style>``/``<script>`` blocks dropped (with a warning); lines that are
  only wrapper tags (``<div class="...">``, ``</div>``, Vue components, ``<v-click>``) are
  removed so the Markdown inside stays Markdown (Python-Markdown would swallow it, slides
  and all, into one raw HTML block); ``<img>`` becomes a Markdown picture;
- `lists`: sub-lists indented by 2, 3 or 4 spaces (CommonMark's rule: under the parent's
  text) re-indented by 4, as Python-Markdown nests them; ``1)`` items become ``1.``; a list
  right after a paragraph line starts a list (CommonMark), not more of the paragraph;
- `hard_breaks`: pandoc's backslash at a line end is a line break;
- `inline_syntax`: pandoc spans ``[text]{.class}`` keep their text; Quarto shortcodes
  ``{{< ... >}}`` and raw LaTeX (``\\tiny``) are dropped with a warning (a command's
  braced text is kept); ``$math$`` and ``$$ ... $$`` become readable text;
- `footnotes`: ``[^1]`` references and their ``[^1]: text`` definitions: the reference
  becomes a superscript number, the text goes to the notes of the slide that cites it.
"""

from __future__ import annotations

import re

from ..body import SLIDE_MARK_RE, Body
from . import Context, Dialect, Footnote
from .latex import latex_text, math_text

COMMENT_OPEN = re.compile(r"^ {0,3}<!--")
TAG_LINE = re.compile(r"^\s*(</?[A-Za-z][\w:.-]*(\s[^<>]*)?/?>\s*)+$")
KEEP_BLOCK_TAGS = {"table", "thead", "tbody", "tr", "td", "th", "ul", "ol", "li", "dl", "dt", "dd", "pre", "code", "blockquote", "iframe", "video", "audio", "svg", "math", "img", "hr", "a"}
WRAPPED_LINE = re.compile(r"^(\s*)<([A-Za-z][\w:.-]*)(?:\s[^<>]*)?>(.*)</\2>\s*$")
OPEN_TAG_START = re.compile(r"<([A-Za-z][\w:.-]*)(?=[\s/>]|$)")
IMG_TAG = re.compile(r"<img\b([^<>]*)/?>", re.I)
ATTR = re.compile(r"""([\w:-]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))""")
ITEM = re.compile(r"^(?P<indent>[ \t]*)(?P<marker>[-*+]|\d{1,9}[.)])(?P<space>[ \t]+|$)(?P<rest>.*)$")
HR = re.compile(r"^ {0,3}([-*_])([ \t]*\1){2,}[ \t]*$")
BLOCK_START = re.compile("^(#{1,6}\\s|>|```|~~~|:::|\\||<|\ue002)")
SPAN = re.compile(r"(?<!!)\[([^\[\]]*)\]\{[^{}\n]*\}")
SHORTCODE = re.compile(r"\{\{<\s*(.*?)\s*>\}\}")
FOOTNOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:\s?(.*)$")
FOOTNOTE_REF = re.compile(r"\[\^([^\]\s]+)\]")
FOOTNOTE_MARK = "\ue000{}\ue001"  # a reference, read back by the tree reader
INLINE_MATH = re.compile(r"(?<![\\$\w])\$(?=\S)([^$\n]*?\S)\$(?![\d$])")
LATEX_LINE = re.compile(r"^\s*\\{1,2}[A-Za-z]+")
# LaTeX commands that take no argument, dropped wherever they stand (``\\tiny``); others are
# LaTeX only with an argument (``\\framesubtitle{...}``): C:\\Users stays as written.
BARE_LATEX = {
    "tiny", "scriptsize", "footnotesize", "small", "normalsize", "large", "Large", "LARGE",
    "huge", "Huge", "centering", "raggedright", "raggedleft", "bigskip", "medskip", "smallskip",
    "newline", "linebreak", "pause", "noindent", "hfill", "vfill", "clearpage", "newpage",
    "includegraphics", "maketitle", "tableofcontents", "vspace", "hspace", "par", "item",
}


def stages(dialect: Dialect) -> tuple:
    return (
        html_comments,
        html_wrappers,
        footnotes,
        heading_attributes,
        lists,
        hard_breaks,
        math_blocks,
        inline_syntax,
    )


# --- comments and HTML ------------------------------------------------------------------------


def comment_span(body: Body, k: int) -> tuple[int, str]:
    """From a line opening a comment: (the index after its last line, its text)."""
    text = body.lines[k].split("<!--", 1)[1]
    j = k
    while "-->" not in text and j + 1 < len(body.lines):
        j += 1
        text += "\n" + body.lines[j]
    return j + 1, text.split("-->", 1)[0]


def html_comments(body: Body, ctx: Context) -> None:
    """Comments left (the dialect's stages took the ones that mean something) are hidden
    text: dropped, each named in a warning."""
    code = body.in_code()
    with body.rebuild() as out:
        k = 0
        while k < len(body.lines):
            line = body.lines[k]
            if not code[k] and COMMENT_OPEN.match(line):
                end, text = comment_span(body, k)
                after = body.lines[end - 1].split("-->", 1)[1] if "-->" in body.lines[end - 1] else ""
                if text.strip():
                    words = " ".join(text.split())
                    ctx.warn(
                        f"an HTML comment is not shown: '{_short(words)}' (make it speaker notes "
                        "with '::: notes', or delete it)",
                        body.origin[k],
                    )
                for j in range(k, end):
                    out.add("", body.origin[j])
                if after.strip():
                    out.lines[-1] = after
                k = end
                continue
            out.keep(k)
            k += 1


def html_wrappers(body: Body, ctx: Context) -> None:
    code = body.in_code()
    dropped: list[tuple[str, int]] = []
    with body.rebuild() as out:
        k = 0
        while k < len(body.lines):
            line = body.lines[k]
            if code[k]:
                out.keep(k)
                k += 1
                continue
            m = re.match(r"^\s*<(style|script)\b", line, re.I)
            if m:  # a stylesheet or a script: nothing for the audience to read
                tag = m.group(1).lower()
                j = k
                while not re.search(rf"</{tag}\s*>", body.lines[j], re.I) and j + 1 < len(body.lines):
                    j += 1
                dropped.append((tag, body.origin[k]))
                for i in range(k, j + 1):
                    out.add("", body.origin[i])
                k = j + 1
                continue
            # A tag spread over lines (<a href=...\n class=...>): one line, so that its
            # attributes are never read as text.
            start = _unclosed_tag(line)
            if start is not None:
                j = k
                joined = line
                while _unclosed_tag(joined) is not None and j + 1 < len(body.lines) and not code[j + 1]:
                    j += 1
                    joined += " " + body.lines[j].strip()
                line = joined
                extra = list(range(k + 1, j + 1))
            else:
                extra = []
            line = IMG_TAG.sub(_img_markdown, line)
            wrapped = WRAPPED_LINE.match(line)
            styled = ctx.dialect != "markdown" or re.search(r"\s(class|style)\s*=", line)
            if wrapped and styled and not _keeps(line):  # <div class="x">text</div>: the text
                line = wrapped.group(1) + wrapped.group(3)
            if TAG_LINE.match(line) and not _keeps(line):
                line = ""  # wrapper tags only: the Markdown around them is read as Markdown
            out.add(line, body.origin[k])
            for i in extra:
                out.add("", body.origin[i])
            k = k + 1 + len(extra)
    for tag, line in dropped:
        ctx.warn(f"a <{tag}> block is not shown (deckgen's theme styles the slides)", line)


def _unclosed_tag(line: str) -> int | None:
    """Where a tag opens on this line without closing on it (None if every tag closes)."""
    for m in OPEN_TAG_START.finditer(line):
        if ">" not in line[m.end() :]:
            return m.start()
    return None


def _keeps(line: str) -> bool:
    names = {n.lower() for n in re.findall(r"</?([A-Za-z][\w:.-]*)", line)}
    return bool(names & KEEP_BLOCK_TAGS)


def _img_markdown(m: re.Match[str]) -> str:
    attrs = {a.group(1).lower(): a.group(3) or a.group(4) or a.group(5) or "" for a in ATTR.finditer(m.group(1))}
    src = attrs.get("src", "")
    if not src:
        return ""
    alt = attrs.get("alt", "").replace("[", "(").replace("]", ")")
    size = " ".join(f'{k}="{attrs[k]}"' for k in ("width", "height") if k in attrs)
    return f"![{alt}](<{src}>)" + ("{" + size + "}" if size else "")


# --- lists --------------------------------------------------------------------------------------


def lists(body: Body, ctx: Context) -> None:
    """Nested lists re-indented 4 spaces per level, from CommonMark's rule: an item is
    inside the previous one when its marker stands at or after that item's text column.
    A fenced block's opening line inside an item is re-indented with the item's text (the
    fence stage lifts the block's own lines out, whatever their indentation)."""
    code = body.in_code()
    stack: list[int] = []  # the source text column of each open item, outermost first
    kinds: list[bool] = []  # at each level, whether the last item there was numbered
    previous = ""  # the previous line, as read ("" when blank)
    with body.rebuild() as out:
        for k, raw in enumerate(body.lines):
            line = raw.expandtabs(4)
            origin = body.origin[k]
            opener = code[k] and (k == 0 or not code[k - 1])
            if code[k] and not opener:
                out.keep(k)
                continue
            if not line.strip():
                out.add(raw, origin)
                previous = ""
                continue
            indent = len(line) - len(line.lstrip(" "))
            m = None if opener else ITEM.match(line)
            if m and not HR.match(line):
                while stack and indent < stack[-1]:
                    stack.pop()
                kind = m.group("marker")[0].isdigit()
                if len(kinds) > len(stack) and kinds[len(stack)] != kind and previous:
                    out.add("", origin)  # bullets after numbers (or the reverse): a new list
                del kinds[len(stack) :]
                kinds.append(kind)
                if (
                    not stack
                    and previous
                    and not ITEM.match(previous)
                    and not BLOCK_START.match(previous.lstrip())
                    and _may_interrupt(m)
                ):
                    out.add("", origin)  # CommonMark: a list may interrupt a paragraph
                marker = m.group("marker")
                if marker.endswith(")"):
                    marker = marker[:-1] + "."
                space = m.group("space").expandtabs(4)
                width = len(m.group("marker")) + (len(space) if 0 < len(space) <= 4 else 1)
                out.add("    " * len(stack) + marker + " " + m.group("rest"), origin)
                stack.append(indent + width)
                previous = line
                continue
            if stack and indent < stack[0] and (previous == "" or BLOCK_START.match(line.lstrip())):
                stack.clear()  # text left of every item, after a blank line: the list ended
            if stack:
                depth = len(stack)
                while depth > 1 and indent < stack[depth - 1]:
                    depth -= 1
                if previous == "":
                    del stack[depth:]
                rest = line[min(indent, stack[depth - 1]) :] if indent >= stack[depth - 1] else line.lstrip(" ")
                out.add("    " * depth + rest, origin)
                previous = line
                continue
            out.keep(k)
            previous = line


def _may_interrupt(m: re.Match[str]) -> bool:
    marker = m.group("marker")
    return bool(m.group("rest").strip()) and (not marker[0].isdigit() or marker[:-1] == "1")


# --- attributes and math ----------------------------------------------------------------------

HEADING_ATTRS = re.compile(r"^(#{1,6})(\s+.*?)?\s*\{([^{}]*)\}\s*$")
ENVIRONMENT = re.compile(r"^\s*\\begin\{([\w*]+)\}")


def heading_attributes(body: Body, ctx: Context) -> None:
    """``## Title {#id .class key=value}``: the attributes leave the title (a heading made
    only of attributes is an untitled slide, as in pandoc) for `Context.heading_attrs`."""
    from ..mdext import DIV_ATTR

    code = body.in_code()
    for k, line in enumerate(body.lines):
        m = HEADING_ATTRS.match(line) if not code[k] else None
        if not m:
            continue
        attrs: dict[str, str] = {}
        for a in DIV_ATTR.finditer(m.group(3)):
            if a.group(1):
                attrs[a.group(1).lower()] = a.group(2) or a.group(3) or a.group(4) or ""
            elif a.group(5).startswith("."):
                attrs.setdefault("classes", "")
                attrs["classes"] = (attrs["classes"] + " " + a.group(5)[1:]).strip()
        ctx.heading_attrs[body.origin[k]] = attrs
        body.lines[k] = m.group(1) + (m.group(2) or "")


def math_blocks(body: Body, ctx: Context) -> None:
    """LaTeX environments (``\\begin{equation*} ... \\end{equation*}``) outside ``$$``,
    and inline ``$...$`` formulas broken over two lines, made readable text."""
    code = body.in_code()
    k = 0
    while k < len(body.lines):
        if code[k]:
            k += 1
            continue
        line = body.lines[k]
        m = ENVIRONMENT.match(line)
        if m:
            end = re.compile(rf"\\end\{{{re.escape(m.group(1))}\}}")
            j = k
            while j < len(body.lines) and not end.search(body.lines[j]):
                j += 1
            j = min(j, len(body.lines) - 1)
            formula = "\n".join(body.lines[k : j + 1])
            inner = re.sub(r"\\(begin|end)\{[\w*]+\}", " ", formula)
            body.lines[k] = math_text(inner)
            for i in range(k + 1, j + 1):
                body.lines[i] = ""
            k = j + 1
            continue
        if _open_dollar(line) and k + 1 < len(body.lines) and not code[k + 1]:
            nxt = body.lines[k + 1]
            close = nxt.find("$")
            if close > 0:
                start = _open_dollar(line)
                formula = line[start:] + " " + nxt[:close]
                body.lines[k] = line[: start - 1] + math_text(formula)
                body.lines[k + 1] = nxt[close + 1 :]
                k += 2
                continue
        k += 1


def _open_dollar(line: str) -> int:
    """Where an inline formula opened on this line but not closed starts (after its $),
    or 0."""
    stripped = re.sub(r"`[^`]*`", "", line)
    if stripped.count("$") % 2 == 0 or "$$" in stripped:
        return 0
    position = line.rfind("$")
    if position + 1 < len(line) and not line[position + 1].isspace():
        return position + 1
    return 0


# --- inline syntax --------------------------------------------------------------------------


def hard_breaks(body: Body, ctx: Context) -> None:
    code = body.in_code()
    for k, line in enumerate(body.lines):
        if not code[k] and line.endswith("\\") and not line.endswith("\\\\") and line.strip() != "\\":
            body.lines[k] = line[:-1].rstrip() + "  "


def inline_syntax(body: Body, ctx: Context) -> None:
    code = body.in_code()
    k = 0
    while k < len(body.lines):
        if code[k]:
            k += 1
            continue
        line = body.lines[k]
        origin = body.origin[k]
        if line.strip() == "$$" or (line.strip().startswith("$$") and not line.strip().endswith("$$")):
            j = k + 1
            while j < len(body.lines) and "$$" not in body.lines[j]:
                j += 1
            formula = "\n".join([line.strip()[2:], *body.lines[k + 1 : j], body.lines[j].split("$$")[0] if j < len(body.lines) else ""])
            text = math_text(formula)
            body.lines[k] = text
            for i in range(k + 1, min(j + 1, len(body.lines))):
                body.lines[i] = ""
            k = j + 1
            continue
        if line.strip().startswith("$$") and line.strip().endswith("$$") and len(line.strip()) > 4:
            body.lines[k] = math_text(line.strip()[2:-2])
            k += 1
            continue
        for m in SHORTCODE.finditer(line):
            ctx.warn(f"the Quarto shortcode '{{{{< {_short(m.group(1))} >}}}}' is dropped (deckgen has no equivalent)", origin)
        line = SHORTCODE.sub("", line)
        line = _outside_code_spans(line, lambda text, at=origin: _inline_math_and_latex(text, ctx, at))
        line = _span_closing(body, k, line)
        if LATEX_LINE.match(line):
            text = latex_text(line.replace("\\\\", "\\"))
            ctx.warn(f"raw LaTeX '{_short(line.strip())}' is dropped" + (f"; its text is kept: '{_short(text)}'" if text.strip() else ""), origin)
            line = text
        body.lines[k] = line
        k += 1


SPAN_END = re.compile(r"\]\{[^{}\n]*\}")


def _span_closing(body: Body, k: int, line: str) -> str:
    """A span opened on an earlier line of the paragraph (``[text\\ntext]{.red}``), or whose
    attributes go on to the next line: both brackets and the attributes go, the text
    stays."""
    cut = re.search(r"\]\{[^{}]*$", line)
    if cut and k + 1 < len(body.lines) and "}" in body.lines[k + 1]:
        following = body.lines[k + 1]
        body.lines[k + 1] = following[following.index("}") + 1 :]
        line = line[: cut.start()] + "]{}"
    m = SPAN_END.search(line)
    if not m or "[" in line[: m.start()]:
        return line
    for j in range(k - 1, max(-1, k - 8), -1):
        earlier = body.lines[j]
        if not earlier.strip():
            break
        opening = earlier.rfind("[")
        if opening >= 0 and "]" not in earlier[opening:] and (opening == 0 or earlier[opening - 1] != "!"):
            body.lines[j] = earlier[:opening] + earlier[opening + 1 :]
            return line[: m.start()] + line[m.end() :]
    return line


INLINE_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$")
INLINE_COMMAND = re.compile(r"\\{1,2}([A-Za-z]{2,})(\[[^\]]*\])?((?:\{[^{}]*\})*)")


def _outside_code_spans(line: str, fn) -> str:
    """`fn` applied to the parts of a line that are not inside `code spans`."""
    parts = re.split(r"(`+[^`]*`+)", line)
    return "".join(part if k % 2 else fn(part) for k, part in enumerate(parts))


def _inline_math_and_latex(text: str, ctx: Context, origin: int) -> str:
    text = SPAN.sub(r"\1", text)
    text = INLINE_DISPLAY_MATH.sub(lambda m: math_text(m.group(1)), text)
    text = INLINE_MATH.sub(lambda m: math_text(m.group(1)), text)

    def command(m: re.Match[str]) -> str:
        if m.group(1) not in BARE_LATEX and not (m.group(2) or m.group(3)):
            return m.group(0)
        kept = latex_text(m.group(0).replace("\\\\", "\\"))
        ctx.warn(
            f"raw LaTeX '\\{m.group(1)}' is dropped"
            + (f"; its text is kept: '{_short(kept)}'" if kept.strip() else ""),
            origin,
        )
        return kept

    return INLINE_COMMAND.sub(command, text)


def footnotes(body: Body, ctx: Context) -> None:
    """Definitions taken out (with their indented continuation lines); references become
    private marks the tree reader turns into superscript numbers and notes lines."""
    code = body.in_code()
    numbers: dict[str, int] = {}
    with body.rebuild() as out:
        k = 0
        while k < len(body.lines):
            m = FOOTNOTE_DEF.match(body.lines[k]) if not code[k] else None
            if m:
                name, text, line = m.group(1), [m.group(2)], body.origin[k]
                out.add("", line)
                k += 1
                while k < len(body.lines) and (body.lines[k].startswith(("    ", "\t")) or (not body.lines[k].strip() and k + 1 < len(body.lines) and body.lines[k + 1].startswith("    "))):
                    text.append(body.lines[k].strip())
                    out.add("", body.origin[k])
                    k += 1
                number = numbers.setdefault(name, len(numbers) + 1)
                ctx.footnotes[name] = Footnote(number, " ".join(t for t in text if t), line)
                continue
            out.keep(k)
            k += 1
    for k, line in enumerate(body.lines):
        if code[k] if k < len(code) else False:
            continue
        if "[^" in line:
            body.lines[k] = FOOTNOTE_REF.sub(
                lambda m: FOOTNOTE_MARK.format(m.group(1)) if m.group(1) in ctx.footnotes else m.group(0), line
            )


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["stages", "SLIDE_MARK_RE"]
