"""The policy's rules as loaded: plans, types, channels, contacts, emergencies, duplicates,
notices and entitlements, and the snapshot a ticket takes of them (``sla.policy.loading``
reads the file)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, PrivateAttr

from sla.policy.calendars import ALWAYS_OPEN_NAME, CalendarSpec
from sla.policy.fields import (
    CLOCK_KEYS,
    CalendarPolicy,
    ClockKey,
    ContactPolicy,
    DeliveryChannel,
    Duration,
    OptionalDuration,
    StrictModel,
    Table,
    TargetSource,
)
from sla.policy.snapshot import NEVER, Contact, PlanSnapshot, TargetTable, TypeRules
from sla.vocabulary import Channel, NoticeKind, Severity, TicketType

#: The escalation name that stands for the customer's own Technical Account Manager.
TAM = "tam"


class Targets(StrictModel):
    first_response: Table | None = None
    update_interval: Table | None = None
    resolution: Table | None = None
    #: Where each clock's targets come from: the contract's words (a commitment) or the
    #: assumption behind an internal target. A target without a source is a commitment.
    sources: dict[ClockKey, TargetSource] = Field(default_factory=dict)

    def table(self, calendar_assumed: bool = False) -> TargetTable:
        """Clock -> severity -> target, each marked internal or with the contract's quote;
        ``calendar_assumed``: the calendar they count in has hours nobody wrote down."""
        out: TargetTable = {}
        for key, clock in CLOCK_KEYS.items():
            value = getattr(self, key, None)
            if value is not None:
                source = self.sources.get(key)  # type: ignore[call-overload]
                internal = source is not None and source.internal
                quote = source.quote if source is not None else ""
                out[clock] = {str(severity): None if target is None else replace(
                    target, internal=internal, quote=quote,
                    instant_is_assumed=internal or (calendar_assumed and target.kind != "elapsed"))
                    for severity, target in value.items()}
        return out

    def unsourced(self) -> list[str]:
        """Keys of the clocks that set a target but say nowhere where it comes from."""
        return [key for key in CLOCK_KEYS if key not in self.sources
                and any(target is not None for target in (getattr(self, key, None) or {}).values())]


class TypePolicy(Targets):
    """An issue type's own rules: ``sla = false`` for none at all, or its own targets."""

    sla: bool = True
    #: A study clock (e.g. 48h to study a feature request); stops when an outcome is proposed.
    study: Table | None = None


class IntakePolicy(StrictModel):
    #: Fields a ticket of this type must carry in ``intake`` (e.g. Keybe's failure report).
    required: list[str] = Field(default_factory=list)
    #: Fields required when another is given: ``{ custom_bot = ["bot_flow"] }`` asks for the
    #: bot's whole flow when the request is for a custom bot ("no", "false", "0" or blank
    #: count as not given).
    required_if: dict[str, list[str]] = Field(default_factory=dict)


class EmergencyPolicy(StrictModel):
    """The emergency line (Bird Enterprise's Emergency Number 1)."""

    #: An agent calls back within this, 24/7, whatever the plan's calendar.
    callback_within: Duration = timedelta(minutes=15)
    #: Where the callback time comes from; without one it is an internal target.
    source: TargetSource | None = None
    #: A missed callback pages the TAM and the on-call contact, then the next level this often.
    page_every: Duration = timedelta(minutes=10)
    #: Plan of the tickets opened for calls from numbers no customer has.
    unknown_caller_plan: str | None = None
    #: What the telephony tells a caller whose number no customer has (no callback time:
    #: the team is paged, nobody is promised a call).
    unknown_caller_message: str = (
        "We could not match your number to a customer. Please write to support by email; "
        "the support team has been alerted."
    )
    #: The emergency number customers call, where the contract or the team gives it (Bird
    #: Enterprise's document names "Emergency Number 1" without its digits): a critical
    #: ticket's receipt quotes it; without it, the receipt names the line without a number.
    number: str | None = None


class DuplicatesPolicy(StrictModel):
    """A new ticket this similar to an open one of the same customer is linked to it."""

    window: Duration = timedelta(hours=72)
    similarity: float = Field(default=0.8, gt=0, le=1)


class NoticesPolicy(StrictModel):
    """Which messages wait for their recipient's hours, and which go at once."""

    #: A non-urgent message to a contact with a calendar (the TAM's hours, an agent's
    #: shift) is held until the calendar opens, then sent once.
    hold_outside_hours: bool = False
    #: Messages about tickets of these severities are urgent.
    urgent_severities: list[Severity] = [Severity.CRITICAL]
    #: Messages of these kinds are urgent whatever the severity (pages always are).
    urgent_kinds: list[NoticeKind] = [NoticeKind.PAGE]


class EntitlementsPolicy(StrictModel):
    """Support sold in time slots (the CRM integrator): which requests take one."""

    #: Tiers whose requests need a slot, or an included-support grant, before work starts.
    slot_plans: list[str] = Field(default_factory=list)
    #: Issue types that need that engagement; empty: every type.
    types: list[TicketType] = Field(default_factory=list)
    #: Tiers that get recommendations only: a fix needs a paid tier.
    recommendations_only: list[str] = Field(default_factory=list)
    #: What one slot costs, per tier ("20 USD"): shown beside unserved slots for refunds.
    slot_price: dict[str, str] = Field(default_factory=dict)
    #: The shortest subscription sold, in months.
    minimum_term_months: int = Field(default=1, ge=1, le=120)
    #: Told to a customer whose request is not covered: how to buy a slot.
    how_to_buy: str = "Contact your account manager to buy a support slot."
    #: A request no slot covers this long closes ("none", the default: it waits).
    close_uncovered_after: OptionalDuration = None
    #: What a month of subscription costs, per tier, as the contract writes it: a refund of
    #: the unserved part of a paid term is counted from it.
    subscription_price: dict[str, str] = Field(default_factory=dict)
    #: Anything uncertain about the prices, shown beside every refund figure.
    price_note: str = ""


class PlanPolicy(Targets):
    calendar: str = ALWAYS_OPEN_NAME
    #: The customer's TAM is an escalation point only while this calendar is open.
    tam_calendar: str | None = None
    escalation: list[str] = Field(min_length=1)
    #: Every ticket on this plan is an emergency: its severity is critical whatever was asked.
    emergency: bool = False
    #: The document says an agent answers during business hours (without a time): the
    #: receipt says so where it would otherwise promise no answer at all.
    answers_during_business_hours: bool = False
    #: A breached resolution escalates straight to this level of the chain (e.g. "every
    #: involved team investigates"), not merely one level up.
    investigation: str | None = None
    types: dict[TicketType, TypePolicy] = Field(default_factory=dict)


class Policy(StrictModel):
    #: The contract this policy implements: a file name beside the policy file (e.g.
    #: ``contracts/keybe-customer-care.es.txt``). ``policy check`` finds every ``document``
    #: quote in it; a policy with commitments must name one.
    contract: str | None = Field(default=None, min_length=1)
    warn_at: float = Field(default=0.75, gt=0, lt=1)
    #: What counts as the first response, for every plan: "response" (the default), any
    #: person's response; "investigation", only a response the agent marks as the first
    #: investigation carried out (360dialog's «первое проведенное расследование»): any other
    #: is an acknowledgement, recorded, stopping no clock; "engagement", a specialist taking
    #: up the request (the CRM integrator's «время вовлечения в запрос»): the customer is
    #: told a specialist takes it up, not that an agent answers.
    first_response: Literal["response", "investigation", "engagement"] = "response"
    #: Waiting on the customer this long closes the ticket ("none": never).
    auto_close_after: OptionalDuration = timedelta(hours=48)
    #: A proposed resolution unconfirmed this long closes ("none": only the customer closes it).
    #: Defaults to ``auto_close_after``.
    auto_confirm_after: OptionalDuration = None
    #: How long a closed ticket can still be reopened before its workflow completes.
    reopen_window: Duration = timedelta(days=14)
    #: Contact warned about tickets that have no assignee; defaults to the plan's first level.
    unassigned: str | None = None
    #: Contact told when a breach finds every escalation level outside its calendar.
    on_call: str | None = None
    calendars: dict[str, CalendarPolicy] = Field(default_factory=dict)
    #: Issue-type rules for every plan (a plan's own ``types`` entry overrides key by key).
    types: dict[TicketType, TypePolicy] = Field(default_factory=dict)
    #: Targets that hold on a channel whatever the plan (e.g. web form and email: 24h).
    channels: dict[Channel, Targets] = Field(default_factory=dict)
    intake: dict[TicketType, IntakePolicy] = Field(default_factory=dict)
    #: Services the contract does not include, each with the contract's words: a request
    #: for one is refused with them, and gets no clocks.
    not_included: dict[str, str] = Field(default_factory=dict)
    #: Channels the contract refuses as support channels, each with its words.
    refused_channels: dict[Channel, str] = Field(default_factory=dict)
    emergency: EmergencyPolicy = Field(default_factory=EmergencyPolicy)
    duplicates: DuplicatesPolicy = Field(default_factory=DuplicatesPolicy)
    notices: NoticesPolicy = Field(default_factory=NoticesPolicy)
    entitlements: EntitlementsPolicy = Field(default_factory=EntitlementsPolicy)
    #: Role (a contact name, "tam", "assignee", "customer", "default") -> its channels;
    #: "urgent" -> the channels of pages.
    delivery: dict[str, list[DeliveryChannel]] = Field(default_factory=dict)
    plans: dict[str, PlanPolicy] = Field(min_length=1)
    contacts: dict[str, ContactPolicy] = Field(default_factory=dict)
    #: Which file, and which content of it: every ticket's snapshot names both, so a
    #: ticket shows the version it runs under (not keys of the file itself).
    _source_name: str = PrivateAttr(default="")
    _content_hash: str = PrivateAttr(default="")
    #: The file as it reads (a rollout carries it to the worker that plans its pages).
    _source_text: str = PrivateAttr(default="")

    @property
    def source_name(self) -> str:
        return self._source_name

    @property
    def source_text(self) -> str:
        return self._source_text

    @property
    def content_hash(self) -> str:
        return self._content_hash

    def needs_slot(self, plan: str, ticket_type: str) -> bool:
        """A request of this type on this tier takes a slot (or a grant) before work starts."""
        rules = self.entitlements
        return plan in rules.slot_plans and (not rules.types or ticket_type in rules.types)

    def plan_requires_tam(self, plan: str) -> bool:
        """True when the plan's chain would be empty for a customer without a TAM."""
        return all(name == TAM for name in self.plans[plan].escalation)

    def calendar_spec(self, name: str, at: datetime) -> CalendarSpec | None:
        """A named calendar as data, holidays resolved around ``at``; None for 24x7."""
        if name == ALWAYS_OPEN_NAME:
            return None
        return self.calendars[name].spec(name, at)

    def snapshot(
        self, plan: str, tam: Contact | None, at: datetime, customer: Contact | None = None
    ) -> PlanSnapshot:
        """Freeze one plan for a ticket created at ``at``.

        ``tam`` is the customer's TAM; ``customer`` the customer's own contact, who is told
        of receipt, proposed resolutions and closure when given.
        """
        chosen = self.plans[plan]

        def contact(name: str | None) -> Contact | None:
            if name is None:
                return None
            found = self.contacts[name]
            return Contact(role=name, name=found.name, email=found.email, phone=found.phone,
                           calendar=self.calendar_spec(found.calendar or ALWAYS_OPEN_NAME, at),
                           chat=found.chat, locale=found.locale, time_zone=found.time_zone)

        chain: list[Contact] = []
        for name in chosen.escalation:
            if name != TAM:
                chain.append(contact(name))  # type: ignore[arg-type]
            elif tam is not None:
                tam_hours = self.calendar_spec(chosen.tam_calendar or ALWAYS_OPEN_NAME, at)
                chain.append(replace(tam, calendar=tam_hours))
        unassigned = contact(self.unassigned)
        assumed = self.calendar_assumed(chosen.calendar)

        return PlanSnapshot(
            plan=plan,
            warn_at=self.warn_at,
            auto_close_after_seconds=_seconds_or_never(self.auto_close_after),
            auto_confirm_after_seconds=_seconds_or_never(
                self.auto_confirm_after if "auto_confirm_after" in self.model_fields_set
                else self.auto_close_after),
            reopen_window_seconds=self.reopen_window.total_seconds(),
            escalation=chain,
            unassigned=unassigned,
            on_call=contact(self.on_call),
            calendar=self.calendar_spec(chosen.calendar, at),
            targets=chosen.table(assumed),
            types=self._type_rules(chosen, assumed),
            channels={str(channel): targets.table(assumed)
                      for channel, targets in self.channels.items()},
            calendar_is_assumed=assumed,
            emergency=chosen.emergency,
            investigation_level=(chosen.escalation.index(chosen.investigation) + 1
                                 if chosen.investigation else 0),
            callback_seconds=self.emergency.callback_within.total_seconds(),
            callback_internal=self.emergency.source is None or self.emergency.source.internal,
            answers_during_business_hours=chosen.answers_during_business_hours,
            first_response_is_investigation=self.first_response == "investigation",
            first_response_is_engagement=self.first_response == "engagement",
            emergency_line=self.has_emergency_line,
            emergency_number=self.emergency.number or "",
            page_every_seconds=self.emergency.page_every.total_seconds(),
            delivery={role: list(channels) for role, channels in self.delivery.items()},
            customer=customer,
            policy_name=self._source_name,
            policy_hash=self._content_hash,
            hold_notices=self.notices.hold_outside_hours,
            urgent_severities=[str(severity) for severity in self.notices.urgent_severities],
            urgent_kinds=sorted({NoticeKind.PAGE.value, *map(str, self.notices.urgent_kinds)}),
            recommendations_only=plan in self.entitlements.recommendations_only,
            how_to_buy=self.entitlements.how_to_buy if plan in self.entitlements.slot_plans
            else "",
            close_uncovered_after_seconds=_seconds_or_never(
                self.entitlements.close_uncovered_after),
        )

    def calendar_assumed(self, name: str) -> bool:
        """The named calendar's hours are not the contract's (24x7 counts no hours)."""
        return name != ALWAYS_OPEN_NAME and self.calendars[name].assumed

    def _type_rules(self, plan: PlanPolicy, calendar_assumed: bool) -> dict[str, TypeRules]:
        rules = {}
        for type_name in {*self.types, *plan.types}:
            merged: dict[str, Any] = {}
            sources: dict[ClockKey, TargetSource] = {}
            for source in (self.types.get(type_name), plan.types.get(type_name)):
                if source is not None:
                    merged.update({key: getattr(source, key) for key in source.model_fields_set})
                    sources.update(source.sources)
            merged["sources"] = sources
            rule = TypePolicy.model_construct(**merged)
            rules[str(type_name)] = TypeRules(sla=merged.get("sla", True),
                                              targets=rule.table(calendar_assumed))
        return rules

    @property
    def has_emergency_line(self) -> bool:
        """Whether this support has an emergency line at all: only a policy with an
        ``[emergency]`` table (of the five documents, Bird Enterprise alone)."""
        return "emergency" in self.model_fields_set

    def unsourced_targets(self) -> list[str]:
        """Key paths of targets that say neither the contract's words nor the assumption."""
        found = [f"{prefix}.{key}" for prefix, targets in self.target_tables()
                 for key in targets.unsourced()]
        if "emergency" in self.model_fields_set and self.emergency.source is None:
            found.append("emergency.callback_within")
        return found

    def target_tables(self) -> list[tuple[str, Targets]]:
        tables: list[tuple[str, Targets]] = [(f"plans.{name}", plan)
                                             for name, plan in self.plans.items()]
        tables += [(f"plans.{name}.types.{kind}", rules)
                   for name, plan in self.plans.items() for kind, rules in plan.types.items()]
        tables += [(f"types.{kind}", rules) for kind, rules in self.types.items()]
        tables += [(f"channels.{channel}", targets) for channel, targets in self.channels.items()]
        return tables

    def source_for(
        self, plan: str, clock: str, severity: str, ticket_type: str, channel: str
    ) -> tuple[str, TargetSource | None]:
        """Where one clock's target comes from (key path and source), by the same
        precedence that chooses the target: channel, then type, then plan."""
        key = next((key for key, name in CLOCK_KEYS.items() if name == clock), clock)
        chosen = self.plans[plan]
        candidates: list[tuple[str, Targets | None]] = [
            (f"channels.{channel}", self.channels.get(channel)),  # type: ignore[call-overload]
            (f"plans.{plan}.types.{ticket_type}", chosen.types.get(ticket_type)),  # type: ignore[call-overload]
            (f"types.{ticket_type}", self.types.get(ticket_type)),  # type: ignore[call-overload]
            (f"plans.{plan}", chosen),
        ]
        for path, targets in candidates:
            table = getattr(targets, key, None) if targets is not None else None
            if table is not None and severity in table:
                return f"{path}.{key}", targets.sources.get(key)  # type: ignore[union-attr, call-overload]
        return f"plans.{plan}.{key}", None

    def target_sources(self) -> dict[str, TargetSource]:
        """Every source the file gives, by key path (``plans.basic.first_response``)."""
        out = {f"{prefix}.{key}": source for prefix, targets in self.target_tables()
               for key, source in targets.sources.items()}
        if self.emergency.source is not None:
            out["emergency.callback_within"] = self.emergency.source
        return out

    def missing_intake(self, ticket_type: str, intake: dict[str, str]) -> list[str]:
        """Required intake fields of the type that are absent or blank."""
        rule = self.intake.get(ticket_type)  # type: ignore[call-overload]
        if rule is None:
            return []
        wanted = list(rule.required)
        for trigger, names in rule.required_if.items():
            if intake.get(trigger, "").strip().lower() not in ("", "no", "false", "0"):
                wanted += [name for name in names if name not in wanted]
        return [name for name in wanted if not intake.get(name, "").strip()]

    def refusal(self, service: str | None, channel: str) -> tuple[str, str] | None:
        """(field, reason) when the contract excludes what a request asks for or the
        channel it came through; None when it is in scope."""
        if service is not None:
            if service in self.not_included:
                return "service", f"not included: {self.not_included[service]}"
            named = ", ".join(sorted(self.not_included)) or "none"
            return "service", (f"{service!r} is not a service this policy names (services not "
                               f"included: {named}); leave service out for anything else")
        reason = self.refused_channels.get(channel)  # type: ignore[call-overload]
        if reason is not None:
            return "channel", f"{channel} is not a support channel: {reason}"
        return None


def _seconds_or_never(value: timedelta | None) -> float:
    return value.total_seconds() if value is not None else NEVER
