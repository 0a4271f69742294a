"""One ticket per problem: is a new request the same as an open ticket?

Word-set similarity (Jaccard) of subject plus description, after folding case and
dropping punctuation and very short words; pure, so the rule is the same everywhere.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return {word for word in _WORD.findall(folded) if len(word) > 2}


def similarity(first: str, second: str) -> float:
    left, right = words(first), words(second)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def closest(text: str, candidates: list[tuple[str, str]], threshold: float) -> str | None:
    """The id of the most similar candidate (id, text) at or above ``threshold``."""
    scored = [(similarity(text, other), ticket_id) for ticket_id, other in candidates]
    best = max(scored, default=(0.0, ""))
    return best[1] if best[0] >= threshold else None
