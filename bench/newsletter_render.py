"""Rendering rate of personalized newsletter copies (HTML + text) from a built model.

    python bench/newsletter_render.py [--copies 10000] [--sample content/x.md]

Measures deckgen's Personalizer (templates rendered and CSS inlined once, then each copy
filled with the recipient's values) against the naive way, rendering the templates,
inlining the CSS and writing the text part again for every recipient (the peer, timed on
fewer copies). Target (issue 3): at least 2,000 messages per second on this machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from report import record  # noqa: E402

sys.path.insert(0, str(ROOT))

from deckgen import typography  # noqa: E402
from deckgen.newsletter import Personalizer  # noqa: E402
from deckgen.reading import read_document  # noqa: E402
from deckgen.render import email  # noqa: E402
from deckgen.render.text import render_text  # noqa: E402
from deckgen.themes import load_theme  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=10_000)
    parser.add_argument("--naive-copies", type=int, default=200)
    parser.add_argument(
        "--sample", type=Path, default=ROOT / "content" / "formation-medias-sociaux-pme.md"
    )
    args = parser.parse_args(argv)

    doc, _ = read_document(args.sample, ROOT)
    doc = typography.apply(doc)
    theme = load_theme("default", ROOT)[0]
    env = email.environment(theme)
    sender = email.Sender("Hélène Marchand", "12 rue de l’Exemple, 75011 Paris")
    recipients = [
        {
            "email": f"r{k}@example.com",
            "first_name": f"Prénom{k}",
            "unsubscribe_url": f"https://lettre.example.com/u?id={k}&sig={k * 7919:x}",
        }
        for k in range(args.copies)
    ]

    start = time.perf_counter()
    copies = Personalizer(
        doc, theme, env, lambda a: f"cid:{a.key}", sender, "https://lettre.example.com/v"
    )
    prepare = time.perf_counter() - start
    start = time.perf_counter()
    size = 0
    for values in recipients:
        html, text = copies.render(values)
        size += len(html) + len(text)
    fast = time.perf_counter() - start

    start = time.perf_counter()
    for values in recipients[: args.naive_copies]:
        links = email.Links("https://lettre.example.com/v", values["unsubscribe_url"])
        email.render_email(
            doc,
            theme,
            env,
            lambda a: f"cid:{a.key}",
            sender,
            links,
            email.Recipient(values["email"], values["first_name"]),
        )
        render_text(doc)
    naive = (time.perf_counter() - start) / args.naive_copies * args.copies

    rate = args.copies / (prepare + fast)
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    )
    print(f"sample: {args.sample.name}, {size / args.copies / 1024:.1f} KB per copy (HTML + text)")
    print(f"{'method':<34}{'copies':>8}{'seconds':>10}{'msg/s':>12}")
    print(
        f"{'deckgen Personalizer (+ prepare)':<34}{args.copies:>8}{prepare + fast:>10.3f}{rate:>12,.0f}"
    )
    print(
        f"{'naive: render + inline per copy':<34}{args.copies:>8}{naive:>10.3f}"
        f"{args.copies / naive:>12,.0f}   (timed on {args.naive_copies}, extrapolated)"
    )
    print(f"ratio: {naive / (prepare + fast):.0f}x faster than rendering each copy")
    ok = rate >= 2000
    print(f"{'PASS' if ok else 'FAIL'}  at least 2,000 messages per second: {rate:,.0f}")
    record(
        "personalized newsletter copies (HTML + text)",
        rate,
        "msg/s",
        peer="render + inline per copy",
        peer_value=args.copies / naive,
        target=">= 2,000 msg/s",
        ok=ok,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
