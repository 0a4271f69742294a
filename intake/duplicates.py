"""One ticket per problem: is a new request the same as an open ticket?

Word-set similarity (Jaccard) of subject plus description, after folding case and
dropping punctuation and very short words; pure, so the rule is the same everywhere.
Identifiers decide before words do: two texts that name different numbers, order or account
ids, hosts or addresses are about different problems, however alike the rest ("Problem 2
with webhooks 31582" is not "Problem 4 with webhooks 2672").
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
#: Times of day and dates say when, not what: "since 09:00" and "since 09:15" may be one
#: problem.
_WHEN = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b|\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+)?Z?\b")
#: A token holding a digit (a number, an order or account id), an email address or a host.
_IDENTIFIER = re.compile(
    r"[\w.@/#-]*\d[\w.@/#-]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")


def words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return {word for word in _WORD.findall(folded) if len(word) > 2}


def identifiers(text: str) -> set[str]:
    """The identifiers a text names (numbers, ids, hosts, addresses), case-folded."""
    folded = _WHEN.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    return {token.strip(".-/#") for token in _IDENTIFIER.findall(folded)} - {""}


def same_problem_possible(first: str, second: str) -> bool:
    """False when the texts name different identifiers: different problems."""
    return identifiers(first) == identifiers(second)


def similarity(first: str, second: str) -> float:
    left, right = words(first), words(second)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def closest(text: str, candidates: list[tuple[str, str]], threshold: float) -> str | None:
    """The id of the most similar candidate (id, text) at or above ``threshold`` that names
    the same identifiers."""
    scored = [(similarity(text, other), ticket_id) for ticket_id, other in candidates
              if same_problem_possible(text, other)]
    best = max(scored, default=(0.0, ""))
    return best[1] if best[0] >= threshold else None
