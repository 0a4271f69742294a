"""Masking secrets in text people send us, before it reaches the database or the history.

360dialog: never share a whole API key or password. Keys, tokens, passwords and private
keys are cut to their first and last four characters (shorter ones are hidden entirely,
since eight characters would be the whole secret). Pure and deterministic.

Two layers: the pattern detectors of Yelp's detect-secrets for formats they know
(credentials in URLs, Slack webhooks and tokens, Twilio, Stripe, SendGrid, OpenAI and
Mailchimp keys), then our own rules for what they leave (passwords after their word in the
seven languages the product serves, GitHub, AWS and other keys, JWTs, long random tokens). The
entropy detectors of detect-secrets are not used: order numbers and hashes are not secrets.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

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


_PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----(?P<body>.*?)-----END (?:[A-Z]+ )*PRIVATE KEY-----",
    re.DOTALL)
_KEY_VALUE = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|pw|pass|passphrase|secret|client_secret|api[_ -]?key|"
    r"access[_ -]?token|auth[_ -]?token|token|contraseña|clave|пароль|kata ?sandi|senha|"
    r"passwort|kennwort)\b"
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
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("JSON web token", re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")),
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

    def private_key(match: re.Match[str]) -> str:
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

    text = _KEY_VALUE.sub(keyed("password or secret"), text)
    text = _PASSWORD_THEN_VALUE.sub(keyed("password or secret"), text)
    text = _BEARER.sub(keyed("bearer token"), text)
    for kind, pattern in _PATTERNS:
        def whole(match: re.Match[str], kind: str = kind) -> str:
            found.append(MaskedSecret(kind, mask(match[0])))
            return mask(match[0])
        text = pattern.sub(whole, text)

    def random_token(match: re.Match[str]) -> str:
        token = match[0]
        if "*" * 8 in token or not _looks_random(token):
            return token
        found.append(MaskedSecret("token", mask(token)))
        return mask(token)

    text = _TOKEN_CANDIDATE.sub(random_token, text)
    return text, found


def _known_formats(text: str, found: list[MaskedSecret]) -> str:
    """Mask what detect-secrets' detectors of known formats find, naming the format."""
    for detector in _DETECTORS:
        for value in sorted(set(detector.analyze_string(text)), key=len, reverse=True):
            if "*" * 8 in value or value not in text:
                continue
            found.append(MaskedSecret(detector.secret_type, mask(value)))
            text = text.replace(value, mask(value))
    return text


#: detect-secrets' detectors of known formats whose match is the whole secret (those whose
#: expression captures only a prefix, like its GitHub and GitLab ones, are left to ours).
_DETECTORS: list[RegexBasedDetector] = [
    BasicAuthDetector(), SlackDetector(), TwilioKeyDetector(), StripeDetector(),
    SendGridDetector(), OpenAIDetector(), MailchimpDetector(),
]
