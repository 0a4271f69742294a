"""Message templates: every language renders every kind; a broken one fails the check."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.templates import KINDS, MessageTemplates
from cli.policy import main
from sla.policy.snapshot import Contact
from sla.ticket.feedback_link import server_token
from sla.ticket.state import Notification

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = MessageTemplates(ROOT / "templates")
LOCALES = ["en", "es", "it", "id", "ru", "pt_br", "de"]


def test_every_language_renders_every_kind() -> None:
    assert TEMPLATES.locales() == sorted(LOCALES)
    assert TEMPLATES.check() == []


def received(locale: str, time_zone: str) -> Notification:
    return Notification(
        idempotency_key="TCK-1:2", ticket_id="TCK-1", kind="ticket_received",
        recipient=Contact(role="customer", name="Ana", email="ana@example.com", locale=locale,
                          time_zone=time_zone),
        channel="email", subject="[TCK-1] fallback", body="fallback",
        created_at=datetime(2026, 3, 6, 16, tzinfo=UTC),
        facts={"ticket_id": "TCK-1", "subject": "SMTP down", "severity": "critical",
               "plan": "premium", "status": "open",
               "first_response_due": "2026-03-06T16:30:00+00:00"},
    )


@pytest.mark.parametrize(
    ("locale", "time_zone", "subject", "due"),
    [
        ("es", "America/Bogota", "Hemos recibido su solicitud: SMTP down", "2026-03-06 11:30 (-05)"),
        ("it", "Europe/Rome", "Abbiamo ricevuto la sua richiesta: SMTP down", "2026-03-06 17:30 (CET)"),
        ("id", "Asia/Jakarta", "Permintaan Anda telah kami terima: SMTP down", "2026-03-06 23:30 (WIB)"),
        ("ru", "Europe/Moscow", "Мы получили ваш запрос: SMTP down", "2026-03-06 19:30 (MSK)"),
        ("pt-BR", "America/Sao_Paulo", "Recebemos sua solicitação: SMTP down", "2026-03-06 13:30 (-03)"),
        ("de", "Europe/Berlin", "Wir haben Ihre Anfrage erhalten: SMTP down", "2026-03-06 17:30 (CET)"),
        ("fr", "UTC", "We received your request: SMTP down", "2026-03-06 16:30 (UTC)"),
    ],
)
def test_the_customer_reads_their_language_and_their_time(
    locale: str, time_zone: str, subject: str, due: str
) -> None:
    rendered = TEMPLATES.render(received(locale, time_zone))
    assert rendered.subject == subject
    assert due in rendered.body
    assert "Ana" in rendered.body


def test_a_broken_template_fails_the_policy_check(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    (copy / "es" / "sla_warning.txt").write_text("Subject: {{ clok | label }}\n\n{{ due_at | when }\n")
    code = main(["check", str(ROOT / "tests" / "support" / "policies" / "example.toml"),
                 "--templates", str(copy)])
    assert code == 1
    assert "es/sla_warning.txt" in capsys.readouterr().err


def test_a_template_failing_at_send_time_falls_back_to_english(tmp_path: Path) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    (copy / "es" / "ticket_received.txt").write_text("no subject line\n")
    rendered = MessageTemplates(copy).render(received("es", "UTC"))
    assert (rendered.subject, rendered.body) == ("[TCK-1] fallback", "fallback")


def test_kinds_without_facts_keep_their_text() -> None:
    plain = received("es", "UTC")
    plain.facts.clear()
    assert TEMPLATES.render(plain) is plain
    assert set(KINDS) >= {"ticket_received", "page", "feedback_request"}


@pytest.mark.parametrize("locale", LOCALES)
def test_the_feedback_request_carries_its_link_in_every_language(locale: str) -> None:
    request = replace(received(locale, "UTC"), kind="feedback_request",
                      facts={**received(locale, "UTC").facts, "status": "closed",
                             "feedback_token": "abc123"})
    linked = MessageTemplates(ROOT / "templates", "https://support.example.com/").render(request)
    assert "https://support.example.com/feedback/TCK-1?token=abc123" in linked.body
    # Without a token (a message queued before links existed) it asks for a reply instead.
    older = replace(request, facts={k: v for k, v in request.facts.items()
                                    if k != "feedback_token"})
    plain = MessageTemplates(ROOT / "templates", "https://support.example.com").render(older)
    assert "/feedback/" not in plain.body and "TCK-1" in plain.body


def test_a_stored_locale_that_names_a_path_is_english_not_that_directory(tmp_path: Path) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / "ticket_received.txt").write_text("Subject: pwned\n\npwned\n")
    templates = MessageTemplates(copy)
    for locale in ("../evil", "..", "es/../../evil", "/etc"):
        rendered = templates.render(received(locale, "UTC"))
        assert rendered.subject == "We received your request: SMTP down", locale


def test_the_link_of_a_closure_is_signed_with_the_server_secret() -> None:
    request = replace(received("en", "UTC"), kind="feedback_request",
                      facts={**received("en", "UTC").facts, "status": "closed",
                             "feedback_closure": "2"})
    signed = MessageTemplates(ROOT / "templates", "https://support.example.com",
                              "server secret").render(request)
    token = server_token("server secret", "TCK-1", 2)
    assert f"https://support.example.com/feedback/TCK-1?token={token}" in signed.body
    # Without the secret no link can be made: the message asks for a reply instead.
    unsigned = MessageTemplates(ROOT / "templates", "https://support.example.com").render(request)
    assert "/feedback/" not in unsigned.body
