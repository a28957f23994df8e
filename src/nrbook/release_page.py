"""A release's download page (French, accessible, no JavaScript, the book's styles) and checksums."""

from __future__ import annotations

import hashlib
from datetime import datetime

import markdown
from markupsafe import Markup

from . import __version__
from .context import STYLESHEETS, BuildOptions
from .diff import Changes
from .model import BookInfo
from .release_checks import CheckSummary
from .render import layout_environment

TEMPLATE = "release/index.html.j2"
# The page's sections are h2 under the book's title: the change text's own headings go below.
CHANGES_HEADING_LEVEL = 3


def download_page(options: BuildOptions, info: BookInfo, date: datetime, downloads: tuple,
                  changes: Changes | None, checks: list[CheckSummary]) -> bytes:
    css = "\n".join((options.styles / name).read_text(encoding="utf-8") for name in STYLESHEETS["screen"])
    changes_html = None
    if changes is not None:
        text = changes.markdown(options.layouts, heading_level=CHANGES_HEADING_LEVEL)
        changes_html = Markup(markdown.markdown(text, output_format="html"))
    html = layout_environment(options.layouts).get_template(TEMPLATE).render(
        info=info, css=Markup(css), target="screen", profile="",
        build_date=date.strftime("%Y-%m-%dT%H:%M:%SZ"), generator_version=__version__,
        downloads=downloads, changes=changes, changes_html=changes_html, checks=checks)
    return html.encode("utf-8")


def sha256sums(contents: dict[str, bytes]) -> bytes:
    """The lines ``sha256sum -c`` reads: checksum, two spaces, file name; sorted by name."""
    return "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n"
                   for name, data in sorted(contents.items())).encode("utf-8")
