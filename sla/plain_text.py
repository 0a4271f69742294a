"""Customer text shown where Markdown is rendered (the Temporal Web UI's workflow summaries
and details), escaped so it reads as the words typed and nothing more: no link, image,
heading, list or HTML. A look-alike "Open in the console" link in a subject would otherwise
be one click away for an operator.
"""

from __future__ import annotations

import re
import string

#: Turned into HTML entities: a renderer that lets raw HTML through still shows them as text.
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
#: Every other ASCII punctuation mark is backslash-escaped (CommonMark allows it on each):
#: emphasis, links, images, headings, lists, quotes, tables, code and setext underlines.
#: (A colon means nothing once brackets are escaped; words that could be links are code.)
_ESCAPED = frozenset(string.punctuation) - frozenset(_ENTITIES) - {":"}
#: Words a renderer may turn into links by themselves (GFM autolinks, linkify): a scheme,
#: "www.", an address, a bare domain. Escaping a colon is not enough there: autolinking runs
#: on the text after escapes are resolved; a code span is never linked.
_LINK_LIKE = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s:]|www\.|@|[\w-]\.[A-Za-z]{2,}",
                        re.ASCII)
_BACKTICKS = re.compile(r"`+")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def _code_span(word: str) -> str:
    """``word`` as a code span: a fence longer than any run of backticks inside it."""
    longest = max((len(run) for run in _BACKTICKS.findall(word)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if word.startswith("`") or word.endswith("`") else ""
    return f"{fence}{pad}{word}{pad}{fence}"


def _escape_word(word: str) -> str:
    if _LINK_LIKE.search(word):
        return _code_span(word)
    return "".join(_ENTITIES.get(char) or (f"\\{char}" if char in _ESCAPED else char)
                   for char in word)


def escape_markdown(text: str, *, one_line: bool = True) -> str:
    """``text`` as Markdown that renders as exactly that text. ``one_line`` (a subject, a
    name) folds line breaks into spaces, so it cannot start a block of its own."""
    if one_line:
        text = _NEWLINES.sub(" ", text)
    return "".join(_escape_word(part) if part and not part.isspace() else part
                   for part in re.split(r"(\s+)", text))
