"""Compile the caniemail data into the packaged ``deckgen/mail/caniemail.json``.

    python -m deckgen.mail.update_caniemail [CANIEMAIL_DIR] [--output PATH] [--check]

CANIEMAIL_DIR is a copy of the caniemail project's data (``features/*.md`` with YAML front
matter, ``data/nicenames.yml``); by default the ``shared/data/caniemail`` folder beside the
repository checkout. Every feature is kept, but only the clients of interest
(:data:`CLIENTS`) and, for each, the current state: the last version listed, its value
(``y``/``n``/``a``/``u``) and the notes it refers to. Keys are sorted and the text ends with a
newline, so compiling the same data twice gives the same bytes.

This runs by hand when the data is refreshed; deckgen never reads the data folder nor
downloads anything at run time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .caniemail import DEFAULT_CLIENTS

# family.platform, as spelled in the caniemail data and its data/nicenames.yml: the data
# compiled is exactly what the checker checks by default.
CLIENTS = DEFAULT_CLIENTS

OUTPUT = Path(__file__).with_name("caniemail.json")
# The checkout layout: <root>/main/deckgen/mail/update_caniemail.py and <root>/shared/data/caniemail.
DEFAULT_SOURCE = Path(__file__).resolve().parents[3] / "shared" / "data" / "caniemail"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.S)
_VALUE = re.compile(r"\s*([ynau])\s*((?:#\s*\d+\s*)*)", re.I)
_SNAPSHOT = re.compile(r"snapshot of (\d{4}-\d{2}-\d{2})(?:, commit ([0-9a-f]{7,40}))?")


# libyaml's loader when PyYAML has it: the same result, ten times faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class DataError(ValueError):
    """The caniemail data is not in the expected shape."""


def _front_matter(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(text)
    if not match:
        raise DataError(f"{path}: no YAML front matter")
    # Many files indent with tabs, which YAML forbids.
    try:
        data = yaml.load(match.group(1).replace("\t", "    "), Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: {exc}") from exc
    if not isinstance(data, dict):
        raise DataError(f"{path}: the front matter is not a mapping")
    return data


def _current(path: Path, client: str, versions: Any, notes_by_num: dict[str, str]):
    """The current state of one client: the last version listed (the data is oldest first)."""
    if not isinstance(versions, dict) or not versions:
        raise DataError(f"{path}: {client}: expected version -> value, got {versions!r}")
    version, raw = list(versions.items())[-1]
    match = _VALUE.fullmatch(str(raw))
    if not match:
        raise DataError(f"{path}: {client} {version}: unreadable support value {raw!r}")
    refs = re.findall(r"\d+", match.group(2))
    for ref in refs:
        if ref not in notes_by_num:
            raise DataError(f"{path}: {client} {version}: note #{ref} is not in notes_by_num")
    return {"version": str(version), "value": match.group(1).lower(), "notes": refs}


def compile_caniemail(source: Path, clients: Sequence[str] = CLIENTS) -> dict[str, Any]:
    """Read the caniemail data folder and return the JSON-able compiled data."""
    features_dir = source / "features"
    if not features_dir.is_dir():
        raise DataError(f"{source}: no features/ folder (is this the caniemail data?)")
    nicenames = yaml.load(
        (source / "data" / "nicenames.yml").read_text(encoding="utf-8"), Loader=_LOADER
    )
    client_names = {}
    for client in clients:
        family, _, platform = client.partition(".")
        try:
            client_names[client] = (
                f"{nicenames['family'][family]} ({nicenames['platform'][platform]})"
            )
        except KeyError as exc:
            raise DataError(f"{client}: {exc} is not in data/nicenames.yml") from exc

    features: dict[str, Any] = {}
    seen_clients: set[str] = set()
    for path in sorted(features_dir.glob("*.md")):
        if path.name.startswith("_"):  # _template.md
            continue
        data = _front_matter(path)
        for key in ("title", "category", "stats"):
            if key not in data:
                raise DataError(f"{path}: no {key!r}")
        notes_by_num = {str(k): str(v).strip() for k, v in (data.get("notes_by_num") or {}).items()}
        stats = data["stats"] or {}
        support = {}
        used_notes: set[str] = set()
        for client in clients:
            family, _, platform = client.partition(".")
            versions = (stats.get(family) or {}).get(platform)
            if versions is None:
                continue  # not tested: the checker reports it as unknown
            seen_clients.add(client)
            support[client] = _current(path, client, versions, notes_by_num)
            used_notes.update(support[client]["notes"])
        features[path.stem] = {
            "title": str(data["title"]).strip(),
            "category": str(data["category"]).strip(),
            "notes_by_num": {num: notes_by_num[num] for num in used_notes},
            "support": support,
        }
    if not features:
        raise DataError(f"{features_dir}: no feature files")
    if missing := [c for c in clients if c not in seen_clients]:
        raise DataError(f"no feature has data for {', '.join(missing)}: check the client keys")

    result: dict[str, Any] = {
        "source": "caniemail.com data (https://github.com/hteumeuleu/caniemail), MIT licence: "
        "see CANIEMAIL-LICENSE",
        "clients": client_names,
        "features": features,
    }
    readme = source / "README.md"
    if readme.is_file() and (match := _SNAPSHOT.search(readme.read_text(encoding="utf-8"))):
        result["snapshot"] = match.group(1)
        if match.group(2):
            result["commit"] = match.group(2)
    return result


def dumps(data: dict[str, Any]) -> str:
    """The file text: sorted keys, one-space indent, UTF-8 characters kept as they are."""
    return json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deckgen.mail.update_caniemail", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "source",
        nargs="?",
        type=Path,
        default=DEFAULT_SOURCE,
        help=f"the caniemail data folder (default: {DEFAULT_SOURCE})",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the output is out of date"
    )
    args = parser.parse_args(argv)
    if not args.source.is_dir():
        parser.error(f"{args.source} is not a folder: pass the caniemail data folder")
    try:
        text = dumps(compile_caniemail(args.source))
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    current = args.output.read_text(encoding="utf-8") if args.output.is_file() else None
    if args.check:
        if current != text:
            print(f"{args.output} is out of date; run python -m deckgen.mail.update_caniemail")
            return 1
        return 0
    if current != text:
        args.output.write_text(text, encoding="utf-8")
    print(f"{args.output}: {len(text.encode())} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
