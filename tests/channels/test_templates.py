"""Message templates: every language renders every kind; a broken one fails the check."""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.templates import KINDS, SAMPLE_FACTS, MessageTemplates
from cli.policy import main
from sla.policy.snapshot import Contact
from sla.ticket.feedback_link import server_token
from sla.ticket.state import Notification
from sla.vocabulary import ClockName

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


def every_message(locale: str, clock: str) -> list[Notification]:
    """One message of every kind, in ``locale``, naming ``clock`` where a kind names one."""
    base = received(locale, "Europe/Rome")
    return [replace(base, kind=kind, facts={**SAMPLE_FACTS, "clock": clock}) for kind in KINDS]


#: Article and label pairs a sentence must never make (and a German date without "am").
WRONG = {
    "it": [r"\bla prossimo", r"\bla studio", r"\bil studio", r"\bla aggiornamento"],
    "es": [r"\bla estudio", r"\bel primera", r"\bel próxima"],
    "pt_br": [r"\ba estudo", r"\ba retorno", r"\bo primeira"],
    "de": [r"\bdie nächstes", r"\bdie Rückruf", r"\bdie Update", r"\bist \d{4}-\d\d-\d\d"],
}


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("clock", [clock.value for clock in ClockName])
def test_every_sentence_gives_each_label_its_own_article(locale: str, clock: str) -> None:
    for message in every_message(locale, clock):
        rendered = TEMPLATES.render(message)
        assert rendered.body != message.body, (locale, message.kind)  # no English fallback
        for wrong in WRONG.get(locale, []):
            text = f"{rendered.subject}\n{rendered.body}"
            assert not re.search(wrong, text, re.IGNORECASE), (locale, message.kind, text)


@pytest.mark.parametrize(("locale", "sentence"), [
    ("it", "lo studio di TCK-0123456789AB"),
    ("es", "El estudio de TCK-0123456789AB"),
    ("pt_br", "o estudo de TCK-0123456789AB"),
    ("de", "die Prüfung zu TCK-0123456789AB"),
])
def test_the_warning_names_the_study_with_its_article(locale: str, sentence: str) -> None:
    warning = next(message for message in every_message(locale, "study")
                   if message.kind == "sla_warning")
    assert sentence in TEMPLATES.render(warning).body


def test_a_german_due_time_reads_am() -> None:
    warning = next(message for message in every_message("de", "callback")
                   if message.kind == "sla_warning")
    assert "der Rückruf zu TCK-0123456789AB" in TEMPLATES.render(warning).body
    assert "ist am 2026-03-06 17:30 (CET) fällig" in TEMPLATES.render(warning).body


def test_a_language_without_an_article_for_a_clock_fails_the_check(tmp_path: Path) -> None:
    copy = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", copy)
    (copy / "it" / "articles.json").write_text('{"first_response": "la prima risposta"}\n')
    assert any("it/sla_warning.txt" in problem for problem in MessageTemplates(copy).check())


@pytest.mark.parametrize(("locale", "seconds", "words"), [
    ("ru", 3600, "1 час"), ("ru", 7200, "2 часа"), ("ru", 5 * 3600, "5 часов"),
    ("ru", 21 * 3600, "21 час"), ("ru", 48 * 3600, "48 часов"), ("ru", 14 * 86400, "14 дней"),
    ("it", 48 * 3600, "48 ore"), ("it", 3600, "1 ora"), ("de", 3600, "1 Stunde"),
    ("pt_br", 90 * 60, "90 minutos"), ("id", 48 * 3600, "48 jam"), ("es", 4, "4 segundos"),
    ("en", 36 * 3600, "36 hours"),
])
def test_a_closing_wait_is_said_in_words_and_plural_forms(
    locale: str, seconds: int, words: str
) -> None:
    message = replace(received(locale, "UTC"), kind="closed_automatically",
                      facts={**SAMPLE_FACTS, "cause": "no_reply", "waited": str(seconds)})
    assert words in TEMPLATES.render(message).body


#: The English a non-English message must not carry: every label, the sample reasons, and
#: a short duration ("2d", "48h").
ENGLISH = [*json.loads((ROOT / "templates" / "en" / "labels.json").read_text()).values(),
           "closed automatically", "no customer reply", "support slot covered",
           "the first response target passed"]
SHORT_DURATION = re.compile(r"\b\d+\s?[smhdw]\b")
#: Messages to the team (pages, escalations) carry the team's English reason.
STAFF_KINDS = {"page", "escalation"}


@pytest.mark.parametrize("locale", [locale for locale in LOCALES if locale != "en"])
@pytest.mark.parametrize("cause", ["no_reply", "no_confirmation", "not_covered"])
def test_no_english_or_short_duration_reaches_a_customer_in_another_language(
    locale: str, cause: str
) -> None:
    for clock in ClockName:
        for message in every_message(locale, clock.value):
            if message.kind in STAFF_KINDS:
                continue
            facts = {**message.facts, "cause": cause, "waited": "172800",
                     "how_to_buy": "(the policy's own text)",
                     "reason": "closed automatically: no customer reply within 2d"}
            rendered = TEMPLATES.render(replace(message, facts=facts))
            text = f"{rendered.subject}\n{rendered.body}"
            for english in ENGLISH:
                assert english.lower() not in text.lower(), (locale, message.kind, english)
            assert not SHORT_DURATION.search(text), (locale, message.kind, text)


@pytest.mark.parametrize(("locale", "promise", "truth"), [
    ("en", "reopen it", "your reply opens a new request"),
    ("es", "reabrirlo", "su respuesta abre una nueva solicitud"),
    ("it", "riaprirlo", "la sua risposta apre una nuova richiesta"),
    ("id", "membukanya kembali", "balasan Anda membuka permintaan baru"),
    ("ru", "открыть его снова", "ваш ответ откроет новый запрос"),
    ("pt_br", "reabri-lo", "sua resposta abre uma nova solicitação"),
    ("de", "wieder zu öffnen", "Ihre Antwort eröffnet eine neue Anfrage"),
])
def test_the_closing_message_says_a_reply_opens_a_new_request(
    locale: str, promise: str, truth: str
) -> None:
    closing = replace(received(locale, "UTC"), kind="closed_automatically",
                      facts={**SAMPLE_FACTS, "status": "closed"})
    body = TEMPLATES.render(closing).body
    assert truth in body and promise not in body


#: "Paid" in each language: coverage may be a slot, an included month or an agent's cover.
PAID = {"en": "paid", "ru": "оплач", "de": "bezahlt", "it": "pagat", "es": "pagad",
        "pt_br": "pag", "id": "bayar"}


@pytest.mark.parametrize("locale", LOCALES)
def test_an_uncovered_request_is_not_called_unpaid(locale: str) -> None:
    message = replace(received(locale, "UTC"), kind="not_covered", facts=SAMPLE_FACTS)
    rendered = TEMPLATES.render(message)
    body = f"{rendered.subject}\n{rendered.body}".replace(SAMPLE_FACTS["how_to_buy"], "")
    assert PAID[locale] not in body.lower(), body
    assert rendered.subject != message.subject  # its own language's template, not the fallback
