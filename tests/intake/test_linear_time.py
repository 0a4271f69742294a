"""Masking and duplicate matching read 100,000 characters built to make a backtracking
expression retry its run from every position ("sk-" repeated, "eyJ-" repeated, a private
key's header without its end, a run of letters with no digit), and still find what a
shorter text would. Before they ran in linear time, several of these took from seconds to
minutes each; no figure is asserted here (``python -m bench.text_work`` times them)."""

from __future__ import annotations

import re

import pytest
from detect_secrets.plugins.mailchimp import MailchimpDetector
from detect_secrets.plugins.openai import OpenAIDetector
from hypothesis import given, settings
from hypothesis import strategies as st

from intake import secrets
from intake.duplicates import _IDENTIFIER, _RUN, _identifiers_in_long_run, closest, identifiers
from intake.secrets import _KNOWN_FORMATS, mask_secrets

SIZE = 100_000

JWT = ("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
       "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U")
OPENAI = "sk-proj-" + "a1" * 10 + "T3BlbkFJ" + "b2" * 10
PRIVATE_KEY = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n"
               "-----END PRIVATE KEY-----")

#: (what is repeated, the secret written after it, the part of the secret that must not
#: survive, the kind it is masked as, whether the repeated part is left as it is).
ADVERSARIAL = [
    ("sk-", f"key {OPENAI}", "a1a1a1a1a1T3BlbkFJb2b2", "OpenAI Token", False),
    ("eyJ", f"token {JWT}", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "JSON web token", True),
    ("eyJ-", f"token {JWT}", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "JSON web token", True),
    ("eyJaaaaaaaa.", f"token {JWT}", "eyJzdWIiOiIxMjM0NTY3ODkwIn0", "JSON web token", False),
    ("a", "password: Tr0ub4dor&3xyz", "Tr0ub4dor&3xyz", "password or secret", True),
    ("password=", "password: Tr0ub4dor&3xyz", "Tr0ub4dor&3xyz", "password or secret", False),
    ("password ", "password Tr0ub4dor&3xyz", "Tr0ub4dor&3xyz", "password or secret", True),
    ("пароль ", "пароль Qwerty123!", "Qwerty123!", "password or secret", True),
    ("xoxb-", "xoxb-2345678901-3456789012345-AbCdEfGhIjKlMnOpQrStUvWx", "3456789012345",
     "Slack Token", False),
    ("-----BEGIN PRIVATE KEY-----", PRIVATE_KEY, "vQIBADANBgkqhkiG9w0BAQEFAASC", "private key",
     False),
    ("https://u:", "https://deploy:hunter22@git.example.com/repo.git", "hunter22",
     "Basic Auth Credentials", True),
    ("https://hooks.slack.com/services/T",
     "https://hooks.slack.com/services/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",
     "4f3e2d1c0b9a8f7e6d5c4b3a", "Slack Token", True),
    ("SG.", "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",
     "TwL2iGABf9DHoTf", "SendGrid API Key", True),
    ("sk_live_", "sk_live_51HxYzAbCdEfGhIjKlMnOpQr", "51HxYzAbCdEfGhIjKlMn", "Stripe Access Key",
     True),
    ("AC", "SK0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789ab",
     "Twilio API Key", True),
    ("0123456789abcdef", "f0e1d2c3b4a5968778695a4b3c2d1e0f-us12", "d2c3b4a5968778695a4b3c2d",
     "Mailchimp Access Key", True),
    ("Bearer ", "Bearer 9f8Zq2LmN4pR7sT1uV3wX5yA6bC8dE0f", "q2LmN4pR7sT1uV3wX5yA6bC8",
     "bearer token", True),
    ("AKIA", "AKIAIOSFODNN7EXAMPLE", "IOSFODNN7EXA", "AWS access key", True),
    ("ghp_", "ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6",
     "API key", True),
    ("wJalrXUtnFEMI/", "secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked",
     "rXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE", "token", False),
]


@pytest.mark.parametrize(("repeated", "secret", "hidden", "kind", "kept"), ADVERSARIAL,
                         ids=[case[0] for case in ADVERSARIAL])
def test_a_secret_after_100_kb_built_to_backtrack_is_masked(repeated: str, secret: str,
                                                            hidden: str, kind: str,
                                                            kept: bool) -> None:
    filler = repeated * (SIZE // len(repeated))
    text = f"{filler} {secret} end"
    assert hidden in text
    clean, found = mask_secrets(text)
    assert hidden not in clean
    assert kind in [item.kind for item in found]
    assert clean.endswith(" end")
    if kept:
        assert clean.startswith(filler)


def test_a_private_key_header_repeated_without_its_end_is_left() -> None:
    text = "-----BEGIN RSA PRIVATE KEY-----\n" * (SIZE // 32)
    assert mask_secrets(text) == (text, [])


def test_a_dump_of_thousands_of_credentials_masks_each() -> None:
    """More different values of one format than are looked for everywhere in the text:
    each is masked where it was found."""
    lines = [f"https://user{n}:pass{n:06d}word@host{n}.example.com/" for n in range(2_000)]
    clean, found = mask_secrets("\n".join(lines))
    assert not re.search(r"pass\d{6}word", clean)
    assert clean.count("https://user7:********@host7.example.com/") == 1
    assert len(found) == 2_000
    assert {item.kind for item in found} == {"Basic Auth Credentials"}


@pytest.mark.parametrize(("detector", "texts"), [
    (OpenAIDetector(), [f"key {OPENAI}.", "sk-" + "A" * 20 + "T3BlbkFJ" + "B" * 20 + "C" * 5,
                        f"{OPENAI} and sk-{'x' * 25}T3BlbkFJ{'y' * 20}", "sk-short T3BlbkFJ",
                        f"sk-{'a' * 19}T3BlbkFJ{'b' * 20}", f"sk-{OPENAI}-{OPENAI}"]),
    (MailchimpDetector(), ["key 0123456789abcdef0123456789abcdef-us12 here",
                           "f" * 40 + "-us1-us22", "0123456789ABCDEF0123456789abcdef-us1",
                           "0123456789abcdef0123456789abcde-us1"]),
], ids=["OpenAI", "Mailchimp"])
def test_an_expression_moved_to_re2_finds_what_detect_secrets_finds(
        detector: OpenAIDetector | MailchimpDetector, texts: list[str]) -> None:
    ours = dict(_KNOWN_FORMATS)[detector.secret_type]
    for text in texts:
        assert [text[start:end] for start, end in ours(text)] == list(
            detector.analyze_string(text))


@pytest.mark.parametrize("repeated", ["a", "a.bc/", "a@b.c/", "x.com+", "-a", "#", "1a-"])
def test_identifiers_in_100_kb_built_to_backtrack(repeated: str) -> None:
    text = repeated * (SIZE // len(repeated))
    folded = text.casefold()
    short = text[:60]
    # The same identifiers as the expression finds in a short run of the same letters,
    # and a long run names one identifier at most (its tail from its first digit, or the
    # address or host it ends with).
    assert identifiers(short) == {token.strip(".-/#") for token in _IDENTIFIER.findall(short)
                                  } - {""}
    assert len(identifiers(folded)) <= 2
    request = f"Webhooks fail again {text}"
    candidates = [("TCK-A", request + " order 4471"), ("TCK-B", f"webhooks fail {text}")]
    assert closest(request, candidates, 0.5) == "TCK-B"


def test_a_long_run_of_letters_names_no_identifier_and_one_with_a_digit_names_it() -> None:
    assert identifiers("a" * SIZE) == set()
    assert identifiers("a" * SIZE + "1") == {"a" * SIZE + "1"}
    assert identifiers("see " + "x" * SIZE + " ops@acme.example") == {"ops@acme.example"}


_RUN_LETTERS = "ab1z.@/#+-_éж٣ "


@settings(max_examples=3_000, deadline=None)
@given(st.text(alphabet=_RUN_LETTERS, max_size=120))
def test_long_runs_are_read_as_the_expression_reads_them(text: str) -> None:
    """The one-pass reading of a run finds what ``_IDENTIFIER.findall`` finds, run by run
    and in the whole text."""
    runs = _RUN.findall(text)
    assert [token for run in runs for token in _identifiers_in_long_run(run)] == (
        _IDENTIFIER.findall(text))


_KEYED_PIECES = ["password", "PASSWORD", "pw", "pass", "passphrase", "secret", "api key", "api_key",
                 "access token", "auth token", "token", "contraseña", "пароль", "ПАРОЛЬ",
                 "kata sandi", "sandi", "senha", "parola d'accesso", "Bearer", "bearer", "İ",
                 "ı", "ſ", "is", "es", "é", "ist", "adalah", ":", "=", " ", "  ", "\n", "'",
                 '"', "«", ",", "-", "_", "x", "Qwerty123!", "hunter22", "abc", "1", "ж"]


@settings(max_examples=2_000, deadline=None)
@given(st.lists(st.sampled_from(_KEYED_PIECES), max_size=40), st.integers(1, 40))
def test_the_password_rules_tried_where_a_word_is_match_as_sub_does(
        pieces: list[str], piece: int) -> None:
    """``_sub_at`` reading the text in pieces of any size replaces what ``sub`` replaces."""
    text = "".join(pieces)

    def replace(match: re.Match[str]) -> str:
        return f"<{match[0]}>"

    saved = secrets._PIECE
    try:
        secrets._PIECE = piece
        for expression, where in [
                (secrets._KEY_VALUE, secrets._WHERE_KEY_VALUE),
                (secrets._PASSWORD_THEN_VALUE, secrets._WHERE_PASSWORD_THEN_VALUE),
                (secrets._BEARER, secrets._WHERE_BEARER)]:
            assert secrets._sub_at(expression, where, replace, text) == expression.sub(
                replace, text)
    finally:
        secrets._PIECE = saved
