"""Command line: ``deckgen build | check | preview | serve | init | send | bounces | unsubscribe |
themes | theme new`` (``deckgen COMMAND --help`` for each).

`main(argv)` returns the exit code: 0 success, 1 bad input (every problem printed as
``path:line: message``), 2 bad usage, 3 an internal error (a bug: rerun with --debug),
130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from . import __version__
from .build import FORMATS, PDF_FORMATS, Written, build
from .console import INTERRUPTED
from .errors import DeckgenError, UsageError, display_path
from .output import write_bytes_atomic
from .reading import find_project_root
from .themes import ThemeNotFound, find_theme, new_theme_text, theme_names


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own usage errors: exit 2, no traceback
        raise UsageError(f"{self.prog}: {message} (see {self.prog} --help)")


def _add_sources(parser: argparse.ArgumentParser, verb: str) -> None:
    """PATH ... and --theme NAME (repeatable, 'all'), as build, check, preview and serve
    take them."""
    parser.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="Markdown files or folders (default: every content/*.md)",
    )
    parser.add_argument(
        "--theme",
        action="append",
        default=[],
        metavar="NAME",
        help=f"theme to {verb}, repeatable; 'all' for every theme "
        "(default: the file's front matter theme)",
    )


def make_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deckgen",
        description="Markdown -> native PowerPoint training deck, in each client's theme.",
    )
    parser.add_argument("--version", action="version", version=f"deckgen {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    b = commands.add_parser("build", help="build the outputs of content files")
    _add_sources(b, "build with")
    b.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="output folder (default: build/); files go to DIR/<theme>/",
    )
    b.add_argument(
        "--format",
        action="append",
        choices=(*FORMATS, *PDF_FORMATS, "all"),
        default=[],
        help="deck (.pptx), newsletter (.html, .txt, .eml), pdf (.pdf, one page per slide), "
        "handout (.handout.pdf, each slide with its notes) or all (deck and newsletter, the "
        "default); repeatable: --format pdf --format handout",
    )
    b.add_argument(
        "--strict",
        action="store_true",
        help="treat warnings (unknown keys, low contrast...) as errors: exit 1",
    )
    b.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    b.add_argument(
        "--offline",
        action="store_true",
        help="never download remote (http/https) pictures: use the cache, else a placeholder",
    )
    b.add_argument(
        "--watch",
        action="store_true",
        help="build, then rebuild what each save changes (content, theme, template) until Ctrl-C",
    )
    b.add_argument("--debug", action="store_true", help="show tracebacks")
    pv = commands.add_parser(
        "preview",
        help="contact sheets: first slides (LibreOffice) and the email (Chromium), per theme",
    )
    _add_sources(pv, "preview")
    pv.add_argument("--out", type=Path, metavar="DIR", help="output folder (default: build/)")
    pv.add_argument("--debug", action="store_true", help="show tracebacks")
    ck = commands.add_parser(
        "check", help="check decks, newsletters, themes and typography before presenting or sending"
    )
    _add_sources(ck, "check with")
    ck.add_argument("--strict", action="store_true", help="fail (exit 1) on warnings too")
    ck.add_argument(
        "--format",
        choices=("text", "json"),
        default="text",
        help="text for people (default) or json for CI (stable, versioned)",
    )
    ck.add_argument("--debug", action="store_true", help="show tracebacks")
    it = commands.add_parser(
        "init", help="start a new project in DIR (example content, theme, list)"
    )
    it.add_argument("folder", type=Path, metavar="DIR")
    sv = commands.add_parser(
        "serve",
        help="live preview on 127.0.0.1: slides, the email in 600 px and phone frames, the check",
    )
    _add_sources(sv, "preview")
    sv.add_argument(
        "--port",
        type=_port,
        default=8000,
        metavar="N",
        help="port on 127.0.0.1 (default 8000; 0: any free port)",
    )
    sv.add_argument("--debug", action="store_true", help="show tracebacks")
    commands.add_parser("themes", help="list the themes and what they extend")
    t = commands.add_parser("theme", help="work with themes")
    theme_commands = t.add_subparsers(dest="theme_command", metavar="ACTION", parser_class=_Parser)
    new = theme_commands.add_parser("new", help="start a client theme: themes/NAME/theme.toml")
    new.add_argument("name", metavar="NAME")
    new.add_argument(
        "--from",
        dest="parent",
        default="default",
        metavar="PARENT",
        help="the theme it extends (default: default)",
    )
    new.add_argument(
        "--template",
        type=Path,
        metavar="FILE",
        help="the client's PowerPoint template (.pptx, .potx): copied into the theme, its "
        "layouts mapped to deckgen's slide kinds, its colours, fonts and logo read",
    )
    _add_send_commands(commands)
    return parser


def _add_send_commands(commands) -> None:
    """deckgen send and deckgen unsubscribe (see deckgen/delivery/commands.py)."""
    s = commands.add_parser(
        "send",
        help="email the newsletter to a list: personalized, throttled, resumable, never twice",
    )
    s.add_argument("content", nargs="?", type=Path, metavar="CONTENT", help="the Markdown file")
    s.add_argument(
        "--to-list",
        type=Path,
        metavar="FILE",
        help="subscribers CSV (email,first_name,last_name,...)",
    )
    s.add_argument("--theme", metavar="NAME", help="default: the file's front matter theme")
    s.add_argument(
        "--attach",
        choices=("handout", "pdf"),
        help="attach the training's PDF to every message: handout (each slide with its "
        "notes) or pdf (the slides); built first if it is not up to date",
    )
    s.add_argument(
        "--smtp", metavar="HOST:PORT", help="the relay (default: smtp in [tool.deckgen])"
    )
    s.add_argument(
        "--security",
        choices=("starttls", "tls", "none"),
        help="default starttls; none only for a loopback server",
    )
    s.add_argument(
        "--user", metavar="NAME", help="SMTP login (password: env DECKGEN_SMTP_PASSWORD)"
    )
    s.add_argument(
        "--rate", type=_positive(float), metavar="N", help="at most N messages per second"
    )
    s.add_argument(
        "--connections",
        type=_positive(int),
        default=10,
        metavar="N",
        help="SMTP connections at once (default 10; fewer when the relay says too many)",
    )
    s.add_argument(
        "--per-hour",
        type=_positive(int),
        metavar="N",
        help="at most N messages in any hour (all campaigns)",
    )
    s.add_argument(
        "--journal",
        type=Path,
        metavar="PATH",
        help="delivery journal (default: build/.deckgen/send.sqlite)",
    )
    s.add_argument(
        "--campaign", metavar="NAME", help="campaign id (default: CONTENT.THEME.LIST stems)"
    )
    s.add_argument(
        "--resume", action="store_true", help="continue a campaign (fails if it never started)"
    )
    s.add_argument(
        "--retry-unknown",
        action="store_true",
        help="send again to recipients whose delivery is unknown after a crash (they may get it twice)",
    )
    s.add_argument(
        "--dry-run",
        type=Path,
        metavar="DIR",
        help="write each message as DIR/<address>.eml; send nothing",
    )
    s.add_argument(
        "--test-to",
        metavar="ADDRESS",
        help="send one [TEST] copy to ADDRESS; the journal is untouched",
    )
    s.add_argument(
        "--status", metavar="CAMPAIGN", help="print a campaign's summary from the journal"
    )
    s.add_argument(
        "--retry-base",
        type=_positive(float),
        default=5.0,
        metavar="SECONDS",
        help="first retry delay after a 4xx or a lost connection, doubled each time (default 5)",
    )
    s.add_argument(
        "--max-attempts",
        type=_positive(int),
        default=5,
        metavar="N",
        help="tries per recipient in one run, and reconnections in a row (default 5)",
    )
    s.add_argument(
        "--timeout",
        type=_positive(float),
        default=60.0,
        metavar="SECONDS",
        help="SMTP socket timeout (default 60)",
    )
    s.add_argument(
        "--durable",
        action="store_true",
        help="fsync the journal at every step (survives a power cut; slower)",
    )
    s.add_argument("--debug", action="store_true", help="show tracebacks")
    b = commands.add_parser(
        "bounces",
        help="read the bounce mailbox: bounces, complaints and unsubscribes -> suppression list",
    )
    b.add_argument(
        "--imap", metavar="HOST[:PORT]", help="the mailbox (default: imap in [tool.deckgen])"
    )
    b.add_argument(
        "--user", metavar="NAME", help="IMAP login (password: env DECKGEN_IMAP_PASSWORD)"
    )
    b.add_argument("--folder", metavar="NAME", help="IMAP folder to read (default INBOX)")
    b.add_argument(
        "--security", choices=("tls", "starttls"), help="default tls (993); starttls (143)"
    )
    b.add_argument("--maildir", type=Path, metavar="DIR", help="read a Maildir instead")
    b.add_argument("--mbox", type=Path, metavar="FILE", help="read an mbox file instead")
    b.add_argument(
        "--processed",
        metavar="FOLDER",
        help="where messages read are moved (default deckgen-processed; mbox: left as is)",
    )
    b.add_argument(
        "--journal",
        type=Path,
        metavar="PATH",
        help="delivery journal (default: build/.deckgen/send.sqlite)",
    )
    b.add_argument(
        "--timeout", type=_positive(float), default=60.0, metavar="SECONDS", help="IMAP timeout"
    )
    b.add_argument("--debug", action="store_true", help="show tracebacks")
    u = commands.add_parser(
        "unsubscribe",
        help="add addresses, or recipients' signed unsubscribe links, to the suppression list",
    )
    u.add_argument(
        "addresses",
        nargs="+",
        metavar="ADDRESS|LINK",
        help="an address, or the unsubscribe link (or its t= token) a recipient used: its "
        "signature is checked with DECKGEN_UNSUBSCRIBE_SECRET",
    )
    u.add_argument(
        "--bounced", action="store_true", help="record them as bounced, not unsubscribed"
    )


def _positive(kind):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"'{text}' must be more than 0")
        return value

    return parse


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = make_parser().parse_args(argv)
        if args.command is None:
            raise UsageError("deckgen: give a command, e.g. 'deckgen build' (see deckgen --help)")
        if args.command == "themes":
            return cmd_themes()
        if args.command == "serve":
            return cmd_serve(args)
        if args.command == "preview":
            return cmd_preview(args)
        if args.command == "check":
            return cmd_check(args)
        if args.command == "init":
            return cmd_init(args.folder)
        if args.command == "theme":
            if args.theme_command != "new":
                raise UsageError("deckgen theme: give an action, e.g. 'deckgen theme new NAME'")
            return cmd_theme_new(args.name, args.parent, args.template)
        if args.command in ("send", "unsubscribe", "bounces"):
            # SQLite, smtplib, email-validator: only when sending
            from .delivery import commands

            root = find_project_root(Path.cwd() / "pyproject.toml")
            if args.command == "send":
                return commands.run_send(args, root)
            if args.command == "bounces":
                return commands.run_bounces(args, root)
            reason = "bounced" if args.bounced else "unsubscribed"
            return commands.run_unsubscribe(args.addresses, reason, root)
        return cmd_build(args)
    except DeckgenError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    except BrokenPipeError:  # `deckgen check --format json | head`: the reader left
        # (as the Python docs advise: point stdout at devnull so the final flush is quiet)
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print(
            INTERRUPTED,
            file=sys.stderr,
        )
        return 130
    except Exception as exc:  # a bug in deckgen, not in the user's input
        if _raised_by_ctrl_c(exc):
            # Cleanup code that fails while Ctrl-C unwinds (a library's close() finding
            # its state cut in half) must not turn the interrupt into an "internal error".
            if debug:
                traceback.print_exc()
            print(INTERRUPTED, file=sys.stderr)
            return 130
        if debug:
            traceback.print_exc()
        else:
            print(
                f"deckgen: internal error: {type(exc).__name__}: {exc} "
                "(rerun with --debug for the traceback, and please report it)",
                file=sys.stderr,
            )
        return 3


def _raised_by_ctrl_c(exc: BaseException) -> bool:
    """Whether `exc` was raised while a KeyboardInterrupt was being handled."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__context__
    return False


def _check_paths_and_themes(command: str, paths: list[Path], themes: list[str]) -> Path:
    """Usage errors (exit 2) for paths that do not exist and unknown --theme names; the
    project root."""
    for path in paths:
        if not path.exists():
            raise UsageError(f"deckgen {command}: {path}: no such file or folder")
    root = find_project_root(Path.cwd() / "pyproject.toml")
    for name in themes:
        if name == "all":
            continue
        try:
            find_theme(name, root)
        except ThemeNotFound as exc:
            raise UsageError(
                f"deckgen {command}: --theme {name}: {exc.diagnostics[0].message}"
            ) from None
    return root


def _report(result, debug: bool = False) -> int:
    """Print crashes (with their tracebacks under --debug), errors, then warnings; 3 when
    there were crashes, 1 when there were errors."""
    for crash, trace in getattr(result, "crashes", ()):
        if debug:
            print(trace, file=sys.stderr, end="")
        print(crash, file=sys.stderr)
    for error in result.errors:
        print(error, file=sys.stderr)
    for warning in result.warnings:
        print(warning, file=sys.stderr)
    if getattr(result, "crashes", ()):
        return 3
    return 1 if result.errors else 0


def cmd_init(folder: Path) -> int:
    from .init import init

    for path in init(folder):
        print(f"wrote {display_path(path)}")
    print(
        f"next: cd {display_path(folder)} && deckgen build && deckgen check --strict "
        "(then open build/mon-client/exemple.pptx)"
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    import json

    from .check import format_text, run_check

    root = _check_paths_and_themes("check", args.paths, args.theme)
    report = run_check(args.paths, args.theme, root)
    if args.format == "json":
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
    else:
        print(format_text(report))
    return report.exit_code(args.strict)


def cmd_preview(args: argparse.Namespace) -> int:
    from .preview import preview

    root = _check_paths_and_themes("preview", args.paths, args.theme)
    start = time.perf_counter()
    result = preview(
        args.paths,
        args.theme,
        args.out if args.out is not None else root / "build",
        root,
        on_written=lambda item: print(f"wrote {display_path(item.path)} ({item.what})"),
    )
    if _report(result):
        return 1
    if not result.written:
        print("deckgen: nothing to preview (no content/*.md here)", file=sys.stderr)
        return 1
    print(f"previewed {len(result.written)} theme(s) in {time.perf_counter() - start:.1f} s")
    return 0


def cmd_build(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    show_progress = sys.stderr.isatty() and not args.quiet

    def progress(name: str, done: int, total: int) -> None:
        if show_progress and total >= 50 and (done % 25 == 0 or done == total):
            end = "\n" if done == total else "\r"
            print(f"  {name}: slide {done}/{total}", end=end, file=sys.stderr, flush=True)

    def written(item: Written) -> None:
        if not args.quiet:
            print(f"wrote {display_path(item.path)} ({item.what})")

    if args.watch and args.strict:
        # Watching keeps the last good outputs and shows warnings as they come; failing
        # on them is the check's job.
        raise UsageError(
            "deckgen build: --strict does not go with --watch; watch without it, and run "
            "'deckgen check --strict' to fail on warnings"
        )
    root = _check_paths_and_themes("build", args.paths, args.theme)
    formats = build_formats(args.format)
    if args.watch:
        if any(f in formats for f in PDF_FORMATS):
            raise UsageError(
                "deckgen build: --watch rebuilds decks and newsletters, not PDFs (LibreOffice "
                "takes seconds per deck); watch without --format pdf/handout, then run "
                "'deckgen build --format pdf' once"
            )
        return cmd_watch(args, root, formats)
    result = build(
        args.paths,
        args.theme,
        args.out,
        formats,
        root=root,
        progress=progress,
        on_written=written,
        strict=args.strict,
        offline=args.offline,
    )
    # Errors first: they are what stops the build; warnings follow.
    if _report(result, args.debug) == 3:
        return 3
    if not args.quiet:
        for info in result.infos:  # what deckgen decided: the dialect, a guessed language
            print(info, file=sys.stderr)
    if args.strict and result.warnings and not result.errors:
        print(
            f"deckgen: {len(result.warnings)} warning(s) and --strict: failing; "
            "nothing was written for them",
            file=sys.stderr,
        )
        return 1
    if result.errors:
        files = len({e.path for e in result.errors})
        print(
            f"deckgen: {len(result.errors)} problem(s) in {files} file(s); "
            "nothing was written for them",
            file=sys.stderr,
        )
        return 1
    if not result.written:
        print(
            "deckgen: nothing to build (no content/*.md here; give a Markdown file)",
            file=sys.stderr,
        )
        return 1
    if not args.quiet:
        print(f"built {len(result.written)} file(s) in {time.perf_counter() - start:.2f} s")
    return 0


def build_formats(given: list[str]) -> tuple[str, ...]:
    """The formats of ``--format`` options, in a fixed order: none or 'all' is the deck and
    the newsletter; pdf and handout add to what is given."""
    wanted = set(given or ["all"])
    if "all" in wanted:
        wanted |= set(FORMATS)
    return tuple(f for f in (*FORMATS, *PDF_FORMATS) if f in wanted)


def cmd_watch(args: argparse.Namespace, root: Path, formats: tuple[str, ...]) -> int:
    from .watch import Watcher, run_watch

    out_dir = args.out if args.out is not None else root / "build"
    watcher = Watcher(args.paths, args.theme, out_dir, formats, root)
    try:
        return run_watch(watcher, quiet=args.quiet, debug=args.debug)
    except KeyboardInterrupt:  # the usual way to stop watching: no traceback
        print("deckgen: stopped watching", file=sys.stderr)
        return 130


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"'{text}' is not a port number (0 to 65535)")
    return int(text)


def cmd_serve(args: argparse.Namespace) -> int:
    from .serve import run_serve

    root = _check_paths_and_themes("serve", args.paths, args.theme)
    try:
        return run_serve(args.paths, args.theme, root, args.port, debug=args.debug)
    except KeyboardInterrupt:  # the usual way to stop: no traceback
        print("deckgen: stopped serving", file=sys.stderr)
        return 130


def run() -> None:
    """The ``deckgen`` command: `main`, then exit without tearing down the heap.

    Outputs are complete and closed when `main` returns; freeing a large deck's objects one
    by one at interpreter exit would add a quarter of a second for nothing."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def cmd_themes() -> int:
    root = find_project_root(Path.cwd() / "pyproject.toml")
    for name, parents, folder in theme_names(root):
        lineage = " -> ".join(parents) if parents else "(base theme)"
        print(f"{name:<20} extends {lineage:<30} {display_path(folder)}")
    return 0


def cmd_theme_new(name: str, parent: str, template: Path | None = None) -> int:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][\w.-]*", name):
        raise UsageError(
            f"deckgen theme new: '{name}' is not a theme name (letters, digits, - _ .)"
        )
    root = find_project_root(Path.cwd() / "pyproject.toml")
    try:
        find_theme(parent, root)
    except ThemeNotFound as exc:
        raise UsageError(
            f"deckgen theme new: --from {parent}: {exc.diagnostics[0].message}"
        ) from None
    target = root / "themes" / name / "theme.toml"
    if target.exists():
        raise UsageError(f"deckgen theme new: {display_path(target)} exists; pick another name")
    if template is not None:
        return _theme_from_template(name, parent, template, root, target)
    write_bytes_atomic(target, new_theme_text(name, parent, root).encode("utf-8"))
    print(
        f"wrote {display_path(target)}: edit what differs from '{parent}', then "
        f"deckgen build --theme {name}"
    )
    return 0


def _theme_from_template(name: str, parent: str, template: Path, root: Path, target: Path) -> int:
    """deckgen theme new NAME --template FILE: the template copied into the theme, a
    theme.toml saying what deckgen read from it, and what to look at."""
    from .themes import load_theme
    from .themes.new import template_theme_text

    if not template.is_file():
        raise UsageError(f"deckgen theme new: --template {template}: no such file")
    suffix = template.suffix.lower()
    if suffix not in (".pptx", ".potx"):
        raise UsageError(
            f"deckgen theme new: --template {template}: give a .pptx or .potx file (save "
            "a .ppt or .odp as .pptx first)"
        )
    setup = template_theme_text(name, parent, template, root)  # InputError: exit 1
    copy = target.parent / f"template{suffix}"
    write_bytes_atomic(copy, template.read_bytes())
    write_bytes_atomic(target, setup.text.encode("utf-8"))
    print(f"wrote {display_path(copy)} (a copy of {template.name})")
    print(f"wrote {display_path(target)}:")
    for kind, choice in setup.choices.items():
        print(f"  {kind:<12} -> {choice.layout.key!r} ({choice.reason})")
    _, warnings = load_theme(name, root)
    loaded = [w.message for w in warnings]
    # What the theme's loading says at each build about a layout wins over the set-up's
    # note on that layout (the same words, said once).
    look = [
        item
        for item in setup.look_at
        if not any(m.startswith(item.split(": ", 1)[0] + ": ") for m in loaded)
    ] + loaded
    if look:
        print("look at:")
        for item in dict.fromkeys(look):
            print(f"  - {item}")
    print(f"next: deckgen build --theme {name}, then deckgen preview --theme {name}")
    return 0
