"""Masking secrets in text people send us, before it reaches the database or the history.

360dialog: never share a whole API key or password. Keys, tokens, passwords and private
keys are cut to their first and last four characters (shorter ones are hidden entirely,
since eight characters would be the whole secret). Pure and deterministic.

Two layers: the pattern detectors of Yelp's detect-secrets for formats they know
(credentials in URLs, Slack webhooks and tokens, Twilio, Stripe, SendGrid, OpenAI and
Mailchimp keys), then our own rules for what they leave (passwords after their word in the
seven languages the product serves, GitHub, AWS and other keys, JWTs, long random tokens). The
entropy detectors of detect-secrets are not used: order numbers and hashes are not secrets.

In time linear in the text's length, whatever it holds (a mail may carry 100,000
characters), and in short steps, so other threads (the API's event loop among them) keep
running. Python's ``re`` backtracks: an expression whose open-ended run is followed by
something that may be missing tries that run again from every position where it could
start ("sk-" repeated took a minute at 100,000 characters in OpenAI's expression). Those
run on RE2 (``_linear``), whose matching does not backtrack and lets other threads run:
the private key, the JWT, and detect-secrets' OpenAI and Mailchimp expressions. The others
stay on ``re`` (tests/intake/test_linear_time.py feeds each its worst inputs), because they
need what RE2 lacks: word boundaries around Cyrillic and accented words (RE2's ``\b`` knows
ASCII letters only), Unicode spaces, a lookahead; those that start with a password word
are tried only where one is written (``_sub_at``).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol, cast

import re2
from detect_secrets.plugins.base import RegexBasedDetector
from detect_secrets.plugins.basic_auth import BasicAuthDetector
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.openai import OpenAIDetector
from detect_secrets.plugins.sendgrid import SendGridDetector
from detect_secrets.plugins.slack import SlackDetector
from detect_secrets.plugins.stripe import StripeDetector
from detect_secrets.plugins.twilio import TwilioKeyDetector


@dataclass(frozen=True)
class MaskedSecret:
    kind: str
    masked: str


def mask(value: str) -> str:
    if len(value) < 16:
        return "*" * 8
    return f"{value[:4]}{'*' * 8}{value[-4:]}"


class _Match(Protocol):
    """What the masking reads of an RE2 match (as of ``re.Match``)."""

    def __getitem__(self, group: int | str, /) -> str | Any: ...

    def span(self) -> tuple[int, int]: ...


class _Linear(Protocol):
    """An RE2 expression, as ``re2`` offers it (the parts of ``re.Pattern`` used here)."""

    def finditer(self, text: str, /) -> Iterator[_Match]: ...

    def sub(self, replace: Callable[[_Match], str], text: str, /) -> str: ...


def _linear(expression: str) -> _Linear:
    """``expression`` compiled by RE2: matched in time linear in the text, never backtracking."""
    return cast(_Linear, re2.compile(expression))


_PRIVATE_KEY = _linear(
    r"(?s)-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----(?P<body>.*?)-----END (?:[A-Z]+ )*PRIVATE KEY-----")
_SECRET_WORDS = (r"password|passwd|pwd|pw|pass|passphrase|secret|client_secret|api[_ -]?key|"
                 r"access[_ -]?token|auth[_ -]?token|token|contraseña|clave|пароль|kata ?sandi|senha|"
                 r"passwort|kennwort")
_KEY_VALUE = re.compile(
    rf"(?P<key>\b(?:{_SECRET_WORDS})\b"
    r"\s*(?:[:=]|\bis\b|\bes\b|\bé\b|\bè\b|\bist\b|\badalah\b)\s*)(?P<quote>[\"']?)(?P<value>[^\s\"',;]{3,})",
    re.IGNORECASE)
#: A password word followed by the password itself, without a colon ("пароль Qwerty123!",
#: "senha Qwerty123!"), in the seven languages the product serves. What follows must look
#: like a password (a digit, or a symbol inside it), so "the password policy changed" and
#: "Passwort vergessen?" stay.
_PASSWORD_WORDS = (r"password|passwd|pwd|passphrase|contraseña|clave|пароль|пароля|паролем|"
                   r"kata ?sandi|sandi|senha|passwort|kennwort|parola d'accesso")
_PASSWORD_THEN_VALUE = re.compile(
    rf"(?P<key>\b(?:{_PASSWORD_WORDS})\b\s+)(?P<quote>[\"'«]?)"
    r"(?P<value>(?=[^\s\"'«»,;]*\d|[^\s\"'«»,;]*[^\w\s\"'«»,;][^\s\"'«»,;])"
    r"[^\s\"'«»,;]{6,})",
    re.IGNORECASE)
_BEARER = re.compile(r"(?P<key>\bBearer\s+)(?P<value>[A-Za-z0-9._~+/=-]{8,})")


def _words(words: str, flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """Where an expression that starts with ``\b(?:words)`` may match: each place one of
    the words starts a word."""
    return re.compile(rf"\b(?:{words})", flags)


_WHERE_KEY_VALUE = _words(_SECRET_WORDS)
_WHERE_PASSWORD_THEN_VALUE = _words(_PASSWORD_WORDS)
_WHERE_BEARER = _words("Bearer", 0)
#: ``_word_starts`` reads the text this much at a time (well under a millisecond each), and
#: each piece this much further, for a word begun in it (the longest is "parola d'accesso").
_PIECE = 4096
_LONGEST_WORD = 32
_INSIDE = re.compile("[ '-]")
#: Its three parts' runs stop at a dot, which must follow: on ``re``, every "eyJ" after a
#: "-" tried the rest of the run again. RE2's word boundary is ASCII's: a token right after
#: a Cyrillic or accented letter is masked too (``re`` saw no boundary there).
_JWT = _linear(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("API key", re.compile(
        r"\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{10,}\b|\bsk-[A-Za-z0-9_-]{16,}"
        r"|\bgh[pousr]_[A-Za-z0-9]{20,}\b|\bxox[abposr]-[A-Za-z0-9-]{10,}"
        r"|\bAIza[0-9A-Za-z_-]{30,}")),
]
_TOKEN_CANDIDATE = re.compile(r"[A-Za-z0-9_+/=-]{24,}")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _looks_random(token: str) -> bool:
    """Long, mixed upper/lower/digits, and high entropy: a key, not a word or an id."""
    if _UUID.match(token) or token.upper().startswith("TCK-"):
        return False
    if not (re.search(r"[A-Z]", token) and re.search(r"[a-z]", token)
            and re.search(r"[0-9]", token)):
        return False
    counts = Counter(token)
    entropy = -sum(n / len(token) * math.log2(n / len(token)) for n in counts.values())
    return entropy > 3.8


def mask_secrets(text: str) -> tuple[str, list[MaskedSecret]]:
    """The text with every secret masked, and what was masked (masked forms only)."""
    found: list[MaskedSecret] = []

    def private_key(match: _Match) -> str:
        body = re.sub(r"\s+", "", match["body"])
        found.append(MaskedSecret("private key", mask(body)))
        return f"[private key {mask(body)}]"

    text = _PRIVATE_KEY.sub(private_key, text)
    # Known formats first: they name the provider ("Stripe Access Key", "Slack Token").
    text = _known_formats(text, found)

    def keyed(kind: str) -> Callable[[re.Match[str]], str]:
        def replace(match: re.Match[str]) -> str:
            value = match["value"]
            if "*" * 8 in value:
                return match[0]
            found.append(MaskedSecret(kind, mask(value)))
            return f"{match['key']}{match.groupdict().get('quote') or ''}{mask(value)}"
        return replace

    text = _sub_at(_KEY_VALUE, _WHERE_KEY_VALUE, keyed("password or secret"), text)
    text = _sub_at(_PASSWORD_THEN_VALUE, _WHERE_PASSWORD_THEN_VALUE,
                   keyed("password or secret"), text)
    text = _sub_at(_BEARER, _WHERE_BEARER, keyed("bearer token"), text)

    def whole(kind: str) -> Callable[[_Match], str]:
        def replace(match: _Match) -> str:
            found.append(MaskedSecret(kind, mask(match[0])))
            return mask(match[0])
        return replace

    text = _JWT.sub(whole("JSON web token"), text)
    for kind, pattern in _PATTERNS:
        text = pattern.sub(whole(kind), text)

    def random_token(match: re.Match[str]) -> str:
        token = match[0]
        if "*" * 8 in token or not _looks_random(token):
            return token
        found.append(MaskedSecret("token", mask(token)))
        return mask(token)

    text = _TOKEN_CANDIDATE.sub(random_token, text)
    return text, found


def _sub_at(expression: re.Pattern[str], where: re.Pattern[str],
            replace: Callable[[re.Match[str]], str], text: str) -> str:
    """``expression.sub(replace, text)``, ``expression`` tried only where ``where`` finds a
    word it starts with, and the text read a piece at a time: with a word boundary at each
    position of 100,000 characters, one ``sub`` held the interpreter for 20 ms, while no
    other thread (the event loop's included) could run."""
    pieces: list[str] = []
    done = 0
    for start in _word_starts(where, text):
        if start < done:
            continue
        match = expression.match(text, start)
        if match is not None:
            pieces += [text[done:start], replace(match)]
            done = match.end()
    return "".join([*pieces, text[done:]])


def _word_starts(where: re.Pattern[str], text: str) -> Iterator[int]:
    """Where each word found starts, and each word that may start inside it, after its
    space, hyphen or apostrophe ("token" in "access token", "sandi" in "kata sandi"), in
    order."""
    for piece in range(0, len(text), _PIECE):
        end_of_piece = piece + _PIECE
        for found in where.finditer(text, piece, end_of_piece + _LONGEST_WORD):
            start, end = found.span()
            if start >= end_of_piece:
                break
            yield start
            if _INSIDE.search(text, start, end):
                yield from (inside for inside in range(start + 1, min(end, end_of_piece))
                            if text[inside - 1] in " -'")


#: Up to this many different values of one format are each masked everywhere in the text
#: (one search of the text each); more (a pasted dump of credentials) are masked where their
#: format matched, in one pass.
_EVERYWHERE = 32


def _known_formats(text: str, found: list[MaskedSecret]) -> str:
    """Mask what detect-secrets' detectors of known formats find, naming the format, and
    every other place the text repeats a value found (up to ``_EVERYWHERE`` values)."""
    for kind, spans_in in _KNOWN_FORMATS:
        spans = [(start, end) for start, end in spans_in(text)
                 if end > start and "*" * 8 not in text[start:end]]
        values = sorted({text[start:end] for start, end in spans}, key=len, reverse=True)
        if len(values) > _EVERYWHERE:
            text = _masked_where_found(text, spans, kind, found)
            continue
        for value in values:
            if value in text:
                found.append(MaskedSecret(kind, mask(value)))
                text = text.replace(value, mask(value))
    return text


def _masked_where_found(text: str, spans: list[tuple[int, int]], kind: str,
                        found: list[MaskedSecret]) -> str:
    """The text with each span masked (spans that overlap, as one)."""
    pieces: list[str] = []
    values: list[str] = []
    done = 0
    for start, end in _merged(spans):
        values.append(text[start:end])
        pieces += [text[done:start], mask(values[-1])]
        done = end
    found += [MaskedSecret(kind, mask(value))
              for value in sorted(dict.fromkeys(values), key=len, reverse=True)]
    return "".join([*pieces, text[done:]])


def _merged(spans: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    merged: tuple[int, int] | None = None
    for start, end in sorted(spans):
        if merged is not None and start < merged[1]:
            merged = (merged[0], max(end, merged[1]))
            continue
        if merged is not None:
            yield merged
        merged = (start, end)
    if merged is not None:
        yield merged


_Spans = Callable[[str], list[tuple[int, int]]]


def _detected(detector: RegexBasedDetector) -> _Spans:
    """Where a detect-secrets detector finds its secrets (what its ``analyze_string`` yields:
    each expression's match, or its groups when it has some)."""
    def spans_in(text: str) -> list[tuple[int, int]]:
        return [match.span(group) for expression in detector.denylist
                for match in expression.finditer(text)
                for group in (range(1, expression.groups + 1) if expression.groups else [0])
                if match.start(group) >= 0]
    return spans_in


def _matched(expression: _Linear) -> _Spans:
    return lambda text: [match.span() for match in expression.finditer(text)]


#: detect-secrets' detectors of known formats whose match is the whole secret (those whose
#: expression captures only a prefix, like its GitHub and GitLab ones, are left to ours), by
#: the name each reports, in the order they run. Their own expressions, on ``re``, except
#: OpenAI's, whose run of ``[A-Za-z0-9-_]*`` in front of a fixed marker ("T3BlbkFJ") RE2
#: matches without backtracking, and Mailchimp's, which ``re`` tries 32 characters deep at
#: each position of a run of letters (RE2 reads it once, letting other threads run).
_KNOWN_FORMATS: list[tuple[str, _Spans]] = [
    (BasicAuthDetector.secret_type, _detected(BasicAuthDetector())),
    (SlackDetector.secret_type, _detected(SlackDetector())),
    (TwilioKeyDetector.secret_type, _detected(TwilioKeyDetector())),
    (StripeDetector.secret_type, _detected(StripeDetector())),
    (SendGridDetector.secret_type, _detected(SendGridDetector())),
    (OpenAIDetector.secret_type, _matched(_linear(
        r"sk-[A-Za-z0-9_-]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}"))),
    (MailchimpDetector.secret_type, _matched(_linear(MailchimpDetector.denylist[0].pattern))),
]
