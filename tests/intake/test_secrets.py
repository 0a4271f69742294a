"""Secrets are cut to their first and last four characters; ids and numbers are left alone."""

from __future__ import annotations

import pytest

from intake.secrets import mask_secrets

MASKED = [
    ("Our key is sk_live_51HxYzAbCdEfGhIjKlMnOpQr, please check",
     "sk_l********OpQr", "Stripe Access Key"),
    ("curl -H 'Authorization: Bearer 9f8Zq2LmN4pR7sT1uV3wX5yA6bC8dE0f'",
     "9f8Z********dE0f", "bearer token"),
    ("token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
     "eyJh********sR8U", "JSON web token"),
    ("aws key AKIAIOSFODNN7EXAMPLE in the logs", "AKIA********MPLE", "AWS access key"),
    ("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY leaked", "wJal********EKEY", "token"),
    ("GitHub ghp_A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8 token", "ghp_********Q7r8", "API key"),
    ("login admin, password: Tr0ub4dor&3xyz", "********", "password or secret"),
    ("la contraseña es Hola1234!", "********", "password or secret"),
    ("api_key=0123456789abcdef0123456789abcdef", "0123********cdef", "password or secret"),
    ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\nBKcwggSjAgEAAoIBAQC7\n"
     "-----END PRIVATE KEY-----", "MIIE********AQC7", "private key"),
]


#: The part of each secret that must not survive masking (its middle, which the masked
#: form replaces with asterisks).
HIDDEN = ["51HxYzAbCdEfGhIjKlMn", "q2LmN4pR7sT1uV3wX5yA6bC8", "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
          "IOSFODNN7EXA", "rXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLE", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6",
          "Tr0ub4dor&3xyz", "Hola1234!", "456789abcdef0123456789ab",
          "vQIBADANBgkqhkiG9w0BAQEFAASC"]


@pytest.mark.parametrize(("text", "masked", "kind", "hidden"),
                         [(*case, hidden) for case, hidden in zip(MASKED, HIDDEN, strict=True)])
def test_secrets_are_masked(text: str, masked: str, kind: str, hidden: str) -> None:
    assert hidden in text
    clean, found = mask_secrets(text)
    assert [(item.kind, item.masked) for item in found] == [(kind, masked)]
    assert masked in clean
    # Nothing of the secret but its masked form is left: not its middle, nor any piece of
    # a private key's body.
    assert hidden not in clean
    if kind == "private key":
        body = text.split("-----")[4]
        assert not any(line and line in clean for line in body.split())


@pytest.mark.parametrize("text", [
    "Ticket TCK-4F2A9C1B0D3E is the same as TCK-9A8B7C6D5E4F",
    "resource 123e4567-e89b-12d3-a456-426614174000 and 9b2f6c1e-7d4a-4e8b-a1c3-5f6e7d8c9b0a",
    "order number 100234987654321, invoice INV-2026-000123",
    "commit 3f786850e387550fdab836ed7e6dc881de23001b broke the build",
    "the message id <TCK-1.3@sla.example.com> and the date 2026-03-06T16:30:00+00:00",
    "the word internationalization and supercalifragilisticexpialidocious",
    "the password policy changed yesterday",
    "пароль изменён вчера, войти не могу",
    "Passwort vergessen? La password scade domani; senha expirada",
    "password reset for user 42",
])
def test_ids_numbers_and_words_are_left_alone(text: str) -> None:
    assert mask_secrets(text) == (text, [])


def test_masking_twice_changes_nothing() -> None:
    once, found = mask_secrets(MASKED[0][0] + " and " + MASKED[6][0])
    assert len(found) == 2
    assert mask_secrets(once) == (once, [])


@pytest.mark.parametrize("text", [
    "пароль Qwerty123!",                       # ru, as customers write it: no colon
    "my password Qwerty123! does not work",    # en
    "mi contraseña Qwerty123! no funciona",    # es
    "la password Qwerty123! non funziona",     # it
    "kata sandi Qwerty123! tidak bisa",        # id
    "minha senha Qwerty123! não funciona",     # pt-BR
    "mein Passwort Qwerty123! geht nicht",     # de
])
def test_a_password_after_its_word_without_a_colon_is_masked(text: str) -> None:
    clean, found = mask_secrets(text)
    assert "Qwerty123!" not in clean
    assert [(item.kind, item.masked) for item in found] == [("password or secret", "********")]


@pytest.mark.parametrize(("text", "secret", "kind"), [
    ("the app connects with postgres://admin:S3cr3t@db/prod since Monday", "S3cr3t",
     "Basic Auth Credentials"),
    ("mirror at https://deploy:hunter22@git.example.com/repo.git", "hunter22",
     "Basic Auth Credentials"),
    ("we post to https://hooks.slack.com/services/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",
     "4f3e2d1c0b9a8f7e6d5c4b3a", "Slack Token"),
    ("bot token xoxb-2345678901-3456789012345-AbCdEfGhIjKlMnOpQrStUvWx", "3456789012345",
     "Slack Token"),
    ("Twilio key SK0123456789abcdef0123456789abcdef stopped working",
     "0123456789abcdef0123456789ab", "Twilio API Key"),
    ("restricted key rk_live_4eC39HqLyjWDarjtT1zdp7dc leaked", "4eC39HqLyjWDarjtT1zdp7dc",
     "Stripe Access Key"),
    ("SendGrid 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",
     "TwL2iGABf9DHoTf", "SendGrid API Key"),
    ("login: admin pw: hunter22", "hunter22", "password or secret"),
    ("pw=Tr0ub4dor&3 for the staging box", "Tr0ub4dor", "password or secret"),
])
def test_credentials_in_urls_and_provider_keys_are_masked(text: str, secret: str,
                                                          kind: str) -> None:
    clean, found = mask_secrets(text)
    assert secret not in clean
    assert kind in [item.kind for item in found]


@pytest.mark.parametrize("text", [
    "the status page https://status.example.com:8443/incidents/42 shows it",
    "write to ana@example.com or mailto:ops@example.com",
    "the webhook https://example.com/hooks/slack is ours, not Slack's",
    "error SK-1234 in the SDK, and ACME account AC-77",
    "the pw field of the form is empty",
])
def test_urls_addresses_and_look_alikes_are_left_alone(text: str) -> None:
    assert mask_secrets(text) == (text, [])
