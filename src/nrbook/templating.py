"""Template expressions left in sources by a static site generator (Nunjucks)."""

from __future__ import annotations

import re

from .diagnostics import Diagnostics
from .model import Source

EXPRESSION = re.compile(r"\{\{\s*(.*?)\s*\}\}", re.DOTALL)
TAG = re.compile(r"\{%-?\s*(.*?)\s*-?%\}", re.DOTALL)
COMMENT = re.compile(r"\{#.*?#\}", re.DOTALL)
DOTTED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def lookup(variables: dict[str, object], name: str) -> object | None:
    """The value of a dotted name such as ``metadata.guide.version``, or None."""
    value: object = variables
    for part in name.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return None if isinstance(value, dict) else value


def resolve(source: Source, variables: dict[str, object], diagnostics: Diagnostics) -> Source:
    """Replace ``{{ name }}`` by its configured value; drop and report what cannot be resolved.

    Line breaks inside a removed expression are kept so later messages keep their lines.
    """
    text = source.text
    if "{" not in text:
        return source

    def line_of(match: re.Match[str]) -> int:
        return source.first_line + match.string.count("\n", 0, match.start())

    def keep_lines(match: re.Match[str]) -> str:
        return "\n" * match.group(0).count("\n")

    def expression(match: re.Match[str]) -> str:
        name = match.group(1).strip()
        line = line_of(match)
        if DOTTED_NAME.match(name):
            value = lookup(variables, name)
            if value is not None:
                return str(value)
            diagnostics.warning(source.path, line, f"template expression '{{{{ {name} }}}}' has no value; "
                                "it is left out", f"give '{name}' a value under [variables] in the book "
                                "configuration, or remove it from the source")
        else:
            diagnostics.warning(source.path, line, f"template expression '{{{{ {name} }}}}' is not a "
                                "plain variable; it is left out", "replace it with its text")
        return keep_lines(match)

    def tag(match: re.Match[str]) -> str:
        diagnostics.warning(source.path, line_of(match),
                            f"template tag '{{% {match.group(1)} %}}' is not supported; it is left out",
                            "replace it with the text it stands for")
        return keep_lines(match)

    text = COMMENT.sub(keep_lines, text)
    text = TAG.sub(tag, text)
    text = EXPRESSION.sub(expression, text)
    return Source(source.path, text, source.first_line)
