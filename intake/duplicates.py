"""One ticket per problem: is a new request the same as an open ticket?

Word-set similarity (Jaccard) of subject plus description, after folding case and
dropping punctuation and very short words; pure, so the rule is the same everywhere.
Identifiers decide before words do: two texts that name different numbers, order or account
ids, hosts or addresses are about different problems, however alike the rest ("Problem 2
with webhooks 31582" is not "Problem 4 with webhooks 2672").

Linear in the text's length, whatever it holds: ``_IDENTIFIER`` backtracks over a long run
of letters (seconds on 20,000, minutes on 100,000), so it reads short runs only, and a long
run is read in one pass that finds the same identifiers (``_identifiers_in_long_run``).
"""

from __future__ import annotations

import functools
import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
#: Times of day and dates say when, not what: "since 09:00" and "since 09:15" may be one
#: problem.
_WHEN = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b|\b\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+)?Z?\b")
#: A token holding a digit (a number, an order or account id), an email address or a host.
_IDENTIFIER = re.compile(
    r"[\w.@/#-]*\d[\w.@/#-]*|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b")
#: A run of the characters identifiers are made of. No identifier spans another character,
#: and one at a run's edge sees it as it sees the text's edge (a word boundary), so each run
#: holds the identifiers ``_IDENTIFIER`` finds in it, alone or in the whole text.
_RUN = re.compile(r"[\w.@/#+-]+")
#: ``_IDENTIFIER`` may try each position of a run to its end: runs up to this long cost at
#: most this many steps a character; longer ones go to ``_identifiers_in_long_run``.
_SHORT_RUN = 64
_HOST_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


def words(text: str) -> set[str]:
    folded = unicodedata.normalize("NFKC", text).casefold()
    return {word for word in _WORD.findall(folded) if len(word) > 2}


def identifiers(text: str) -> set[str]:
    """The identifiers a text names (numbers, ids, hosts, addresses), case-folded."""
    return set(_identifiers(text))


@functools.lru_cache(maxsize=256)
def _identifiers(text: str) -> frozenset[str]:
    # Kept for the open tickets each new request is compared with: read once, not each time.
    folded = _WHEN.sub(" ", unicodedata.normalize("NFKC", text).casefold())
    found: set[str] = set()
    for run in _RUN.findall(folded):
        tokens = _IDENTIFIER.findall(run) if len(run) <= _SHORT_RUN else (
            _identifiers_in_long_run(run))
        found.update(token.strip(".-/#") for token in tokens)
    return frozenset(found - {""})


def _identifiers_in_long_run(run: str) -> list[str]:
    """``_IDENTIFIER.findall(run)`` for a run of ``_RUN``, in time linear in its length.

    Where each of the expression's three forms can end is worked out for every position
    first, right to left, then the run is read left to right as ``findall`` reads it: at
    each position the first form that matches there is taken (the run's tail from there
    when it holds a digit; else an address; else a host) and reading goes on after it.
    """
    size = len(run)
    word = [char.isalnum() or char == "_" for char in run] + [False]
    # Where the run of each character class that starts at a position ends: [\w.@/#-]
    # (every character but "+"), [\w.+-] (an address's local part), [\w-] (a domain's
    # label), [a-z0-9-] (a host's label), [a-z]; and whether a digit is left in the first.
    tail_end, local_end, label_end, host_end, letters_end = ([size] * (size + 1) for _ in range(5))
    digit_left = [False] * (size + 1)
    # For a position starting a domain label: where the dotted labels from there end, and
    # whether there are two or more (an address's domain needs two).
    domain_end = [size] * (size + 1)
    dotted = [False] * (size + 1)
    # For a ".": where ``(?:\.[a-z0-9-]+)*\.[a-z]{2,}\b`` matched from it ends (the last
    # label that can end a host), or -1.
    host_from_dot = [-1] * (size + 1)
    for at in range(size - 1, -1, -1):
        char = run[at]
        if char != "+":
            tail_end[at] = tail_end[at + 1]
            digit_left[at] = char.isdecimal() or digit_left[at + 1]
        else:
            tail_end[at] = at
        local_end[at] = at if char in "@/#" else local_end[at + 1]
        label_end[at] = label_end[at + 1] if word[at] or char == "-" else at
        host_end[at] = host_end[at + 1] if char in _HOST_CHARACTERS else at
        letters_end[at] = letters_end[at + 1] if char in _LETTERS else at
        if label_end[at] > at:
            end = label_end[at]
            if end + 1 < size and run[end] == "." and label_end[end + 1] > end + 1:
                domain_end[at], dotted[at] = domain_end[end + 1], True
            else:
                domain_end[at], dotted[at] = end, False
        elif char == ".":
            # Another label first (the greedy repetition), the host's last one otherwise.
            label = at + 1
            if host_end[label] > label and host_end[label] < size and run[host_end[label]] == ".":
                host_from_dot[at] = host_from_dot[host_end[label]]
            if host_from_dot[at] < 0:
                last = letters_end[label]
                if last - label >= 2 and not word[last]:
                    host_from_dot[at] = last
    found: list[str] = []
    at = 0
    while at < size:
        char = run[at]
        end = -1
        if digit_left[at]:
            end = tail_end[at]
        elif char not in "@/#":
            local = local_end[at]
            if local + 1 < size and run[local] == "@" and dotted[local + 1]:
                end = domain_end[local + 1]
        if end < 0 and char in _HOST_CHARACTERS and word[at] != (at > 0 and word[at - 1]):
            dot = host_end[at]
            if dot < size and run[dot] == ".":
                end = host_from_dot[dot]
        if end < 0:
            at += 1
        else:
            found.append(run[at:end])
            at = end
    return found


def similarity(first: str, second: str) -> float:
    return _jaccard(words(first), words(second))


def _jaccard(left: set[str], right: set[str]) -> float:
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def closest(text: str, candidates: list[tuple[str, str]], threshold: float) -> str | None:
    """The id of the most similar candidate (id, text) at or above ``threshold`` that names
    the same identifiers."""
    named, mine = _identifiers(text), words(text)
    scored = [(_jaccard(mine, words(other)), ticket_id) for ticket_id, other in candidates
              if _identifiers(other) == named]
    best = max(scored, default=(0.0, ""))
    return best[1] if best[0] >= threshold else None
