"""Message templates: one Jinja2 file per message kind and language, editable without code.

``templates/<locale>/<kind>.txt`` starts with a ``Subject:`` line, then a blank line and
the body. ``labels.json`` names the clocks in that language; ``articles.json`` gives each
clock with its article and gender (``lo studio``, ``der Rückruf``), the form a sentence uses
as its subject (the ``the`` filter), so no template puts a fixed article before a label
whose gender it does not know. A language that lacks a
kind falls back to English, as does a locale the templates do not know (``pt-BR`` looks
for ``pt_br``, then ``pt``, then ``en``). Times (ISO-8601 in the message's facts) are
shown in the recipient's time zone with the ``when`` filter; a duration (seconds) in words
of the recipient's language with the ``duration`` filter (``48 часов``, never ``2d``).

``check()`` renders every template with sample values and strict undefined names, so a
broken template fails ``policy check`` and start-up, not a send at 3 a.m.; at send time a
template that still fails falls back to the plain English text the workflow wrote.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Collection
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError, Undefined

from channels.durations import in_words
from sla.ticket.feedback_link import server_token
from sla.ticket.state import Notification
from sla.vocabulary import ClockName, NoticeKind, Severity, TicketStatus

logger = logging.getLogger(__name__)

DEFAULT_LOCALE = "en"
#: One template each, in every language directory.
KINDS: tuple[str, ...] = tuple(kind.value for kind in NoticeKind)
SAMPLE_FACTS = {
    "ticket_id": "TCK-0123456789AB", "subject": "SMTP injections time out",
    "severity": Severity.CRITICAL.value, "plan": "premium", "status": TicketStatus.OPEN.value,
    "first_response_due": "2026-03-06T16:30:00+00:00",
    "resolution_due": "2026-03-06T18:00:00+00:00", "callback_due": "2026-03-06T16:15:00+00:00",
    "due_at": "2026-03-06T16:30:00+00:00", "breached_at": "2026-03-06T16:30:00+00:00",
    "clock": ClockName.FIRST_RESPONSE.value, "level": "1", "reason": "the first response target passed",
    "summary": "We restarted the MTA pool.", "intake_missing": "affected_users,module",
    "how_to_buy": "Buy a slot from your account manager.",
    "cause": "no_reply", "waited": "172800",
    "feedback_url": "https://support.example.com/feedback/TCK-0123456789AB?token=0f1e2d3c",
}


def locale_directory(locale: str) -> str:
    return locale.strip().lower().replace("-", "_") or DEFAULT_LOCALE


def template_locales(root: Path) -> frozenset[str]:
    """The languages there are templates for: the directories under ``root``, and English
    always (without its templates a message is the English text the workflow wrote)."""
    if not root.is_dir():
        return frozenset({DEFAULT_LOCALE})
    return frozenset({DEFAULT_LOCALE, *(path.name for path in root.iterdir() if path.is_dir())})


def known_locale(locales: Collection[str], locale: str) -> str | None:
    """The template directory of ``locale`` (``pt-BR``: ``pt_br``, else ``pt``), or None.
    Only a name from ``locales`` is returned, never the text given, so a locale such as
    ``../../etc`` can never become a path."""
    wanted = locale_directory(locale)
    for candidate in (wanted, wanted.split("_")[0]):
        if candidate in locales:
            return candidate
    return None


class MessageTemplates:
    def __init__(self, root: Path, public_base_url: str | None = None,
                 feedback_link_secret: str | None = None) -> None:
        self.root = root
        #: Where the API is reached from outside: links in messages start with it.
        self.public_base_url = (public_base_url or "").rstrip("/")
        #: Signs feedback links (FEEDBACK_LINK_SECRET); None: a closure's message has none.
        self.feedback_link_secret = feedback_link_secret
        # One environment per (language, zone, strictness): Jinja2 then compiles each
        # template once and recompiles it only when its file changes (auto_reload).
        self._environments: dict[tuple[str, str, bool], Environment] = {}

    def locales(self) -> list[str]:
        return sorted(template_locales(self.root))

    def _resolve(self, locale: str) -> str:
        # A locale stored before it was checked (or a policy contact's) may be anything:
        # one the directories do not name is English.
        return known_locale(template_locales(self.root), locale) or DEFAULT_LOCALE

    def _environment(self, locale: str, time_zone: str, strict: bool) -> Environment:
        key = (locale, time_zone, strict)
        if key not in self._environments:
            self._environments[key] = self._new_environment(locale, time_zone, strict)
        return self._environments[key]

    def _new_environment(self, locale: str, time_zone: str, strict: bool) -> Environment:
        environment = Environment(
            loader=FileSystemLoader([str(self.root / locale), str(self.root / DEFAULT_LOCALE)]),
            undefined=StrictUndefined if strict else Undefined,
            autoescape=False,
            keep_trailing_newline=False,
        )
        labels = self._labels(locale)
        zone = ZoneInfo(time_zone)

        def when(value: str) -> str:
            instant = datetime.fromisoformat(str(value)).astimezone(zone)
            return f"{instant:%Y-%m-%d %H:%M} ({instant.tzname()})"

        environment.filters["when"] = when
        environment.filters["duration"] = lambda seconds: in_words(seconds, locale)
        environment.filters["label"] = lambda clock: labels.get(str(clock), str(clock))
        articles = self._articles(locale)

        def the(clock: str) -> str:
            if str(clock) in articles:
                return articles[str(clock)]
            if strict:
                raise TemplateError(f"{locale}/articles.json: no form for {clock!r}")
            return labels.get(str(clock), str(clock))

        environment.filters["the"] = the
        return environment

    def _articles(self, locale: str) -> dict[str, str]:
        path = self.root / locale / "articles.json"
        if not path.exists():
            return {}
        loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return loaded

    def _labels(self, locale: str) -> dict[str, str]:
        labels: dict[str, str] = {}
        for directory in (DEFAULT_LOCALE, locale):
            path = self.root / directory / "labels.json"
            if path.exists():
                labels.update(json.loads(path.read_text(encoding="utf-8")))
        return labels

    def _render(self, kind: str, locale: str, time_zone: str, values: dict[str, Any],
                strict: bool) -> tuple[str, str]:
        environment = self._environment(locale, time_zone, strict)
        text = environment.get_template(f"{kind}.txt").render(**values).strip()
        first, _, body = text.partition("\n")
        if not first.startswith("Subject:"):
            raise TemplateError(f"{kind}.txt must start with a 'Subject:' line")
        return first.removeprefix("Subject:").strip(), body.strip() + "\n"

    def render(self, message: Notification) -> Notification:
        """The message in its recipient's language; unchanged without facts or on failure."""
        if not message.facts or message.kind not in KINDS:
            return message
        recipient = message.recipient
        locale = self._resolve(recipient.locale)
        try:
            subject, body = self._render(message.kind, locale, recipient.time_zone,
                                         {**self._links(message.facts),
                                          "recipient": recipient.name}, False)
        except (TemplateError, OSError, ValueError) as error:
            logger.error("template %s/%s failed (%s); sending the English text", locale,
                         message.kind, error)
            return message
        return replace(message, subject=subject, body=body)

    def _links(self, facts: dict[str, str]) -> dict[str, str]:
        """The facts plus the links they make (``feedback_url`` from a closure's number,
        signed here, or from the token of a ticket with a secret of its own)."""
        ticket_id = facts.get("ticket_id", "")
        token = facts.get("feedback_token")
        closure = facts.get("feedback_closure", "")
        if not token and closure.isdigit() and self.feedback_link_secret:
            token = server_token(self.feedback_link_secret, ticket_id, int(closure))
        if not token or not self.public_base_url:
            return facts
        return {**facts, "feedback_url": f"{self.public_base_url}/feedback/"
                f"{quote(ticket_id)}?token={quote(token)}"}

    def check(self) -> list[str]:
        """Every problem with the templates, one line each (empty when all render)."""
        if not (self.root / DEFAULT_LOCALE).is_dir():
            return [f"{self.root}: no '{DEFAULT_LOCALE}' templates to fall back on"]
        problems = []
        for locale in self.locales():
            for kind in KINDS:
                path = self.root / locale / f"{kind}.txt"
                if locale == DEFAULT_LOCALE and not path.exists():
                    problems.append(f"{path}: missing")
                    continue
                for clock in ClockName:  # every label in every sentence that names one
                    try:
                        self._render(kind, locale, "Europe/Rome",
                                     {**SAMPLE_FACTS, "clock": clock.value, "recipient": "Ana"},
                                     True)
                    except (TemplateError, OSError, ValueError) as error:
                        problems.append(f"{path}: {error}")
                        break
        return problems
