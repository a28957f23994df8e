"""Every colour pair the layouts show has WCAG AA contrast, computed from styles/*.css themselves.

Each layout is rendered (no laying out: the HTML only) for its target's stylesheets, in both
profiles, and tests/csscolors.py finds every colour its elements show on the colour under them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from conftest import CONTENT, CORPUS, CORPUS_CONFIG, MINI
from csscolors import Pair, Rules, colour_pairs, too_low

from nrbook.context import PROFILES, STYLES_DIR, STYLESHEETS, BuildContext, BuildOptions, build_date
from nrbook.diagnostics import Diagnostics
from nrbook.output import OutputStage
from nrbook.pipeline import prepare
from nrbook.selection import SheetFilter
from nrbook.workshop import Workshop

#: The layouts of each target that shows colours (the galley and the parts print what "print" does).
TARGETS = ("screen", "print", "workshop")


def layouts_of(context: BuildContext, target: str) -> dict[str, str]:
    """The HTML of every layout drawn for ``target``."""
    if target != "workshop":
        return {"book": context.html("book.html.j2", target=target)}
    workshop = Workshop.of(context.book, SheetFilter(), dt.date(2026, 12, 3))
    values = workshop.layout_values(context.options.layouts)
    return {
        "plan": context.html("plan.html.j2", target=target, **values),
        "checklist": context.html("checklist.html.j2", target=target, themes=context.book.themes,
                                  chosen_ids=[s.id for s in workshop.sheets], **values),
        "kit": context.html("kit.html.j2", target=target, sheets=list(workshop.sheets), **values),
    }


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, list[tuple[str, str]]]:
    """Per target, (what, HTML) of each book, layout and profile."""
    books = [("content", CONTENT, None), ("mini", MINI, None)]
    if CORPUS.is_dir():
        books.append(("corpus", CORPUS, CORPUS_CONFIG))
    found: dict[str, list[tuple[str, str]]] = {target: [] for target in TARGETS}
    for name, source, config in books:
        options = BuildOptions(source=source, config=config, cache=None)
        diagnostics = Diagnostics()
        book_config, book, rendered = prepare(options, diagnostics)
        for profile in PROFILES:
            context = BuildContext(dataclasses.replace(options, profile=profile), book_config, book,
                                   rendered, diagnostics, build_date(book.info.date),
                                   OutputStage(tmp_path_factory.mktemp("stage")))
            for target in TARGETS:
                for layout, html in layouts_of(context, target).items():
                    found[target].append((f"{name} {layout} {profile or 'default'}", html))
    return found


def rules_of(target: str) -> Rules:
    return Rules.of(STYLES_DIR / name for name in STYLESHEETS[target])


@pytest.mark.parametrize("target", TARGETS)
def test_every_colour_pair_has_enough_contrast(pages, target):
    rules = rules_of(target)
    shown: dict[Pair, list[str]] = {}
    for what, html in pages[target]:
        for pair, where in colour_pairs(html, rules).items():
            shown.setdefault(pair, []).extend(f"{what}: {w}" for w in where)
    texts = [p for p in shown if p.kind == "text"]
    assert len(texts) >= 5 and any(p.background != "#ffffff" for p in texts), \
        f"too few colour pairs found for {target}: the matching is broken ({sorted(shown)})"
    assert too_low(shown) == []


def test_the_tinted_boxes_and_the_eco_palette_are_among_the_pairs(pages):
    """The check sees what the CSS does: var() resolved, fills under the text, the profile's class."""
    rules = rules_of("print")
    default = next(html for what, html in pages["print"] if what == "content book default")
    eco = next(html for what, html in pages["print"] if what == "content book eco")
    accent, soft, ink = "#17645a", "#e6f1ee", "#1d1d1b"
    shown = colour_pairs(default, rules)
    assert Pair("#ffffff", accent, "text") in shown  # the sheet's id on its green label, the cover
    assert Pair(accent, soft, "text") in shown  # the facts' labels in their tinted box
    assert Pair(accent, soft, "graphic") in shown  # the scales' dots in that box
    in_eco = colour_pairs(eco, rules)
    assert Pair(ink, "#ffffff", "text") in in_eco and Pair("#ffffff", accent, "text") not in in_eco


def test_a_pale_colour_is_caught(tmp_path):
    style = tmp_path / "pale.css"
    style.write_text(":root { --pale: #999; } .note { color: var(--pale); } .box { background: #333; }"
                     " .box span { color: #555 } .dot { border: 1px solid #ddd; }"
                     " p::after { content: '!'; color: #ccc; }", encoding="utf-8")
    html = ('<html><body><p class="note">Pâle</p><div class="box"><span>Sombre</span></div>'
            '<span class="dot"></span></body></html>')
    found = [line.split(":")[0] for line in too_low(colour_pairs(html, Rules.of([style])))]
    # the lowest first: the dot's border, the generated "!", the text on the dark box, the note
    assert found == ["#dddddd on #ffffff", "#cccccc on #ffffff", "#555555 on #333333", "#999999 on #ffffff"]
