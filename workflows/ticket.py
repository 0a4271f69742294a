"""The ticket workflow: one per ticket, its id is the ticket id."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributeUpdate
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from sla.ticket import coverage, duplicate_review, feedback, feedback_link, lifecycle, retarget
    from sla.ticket.state import EmergencyCall, Notification, SlotClaim, SlotRequest, TicketState
    from sla.ticket.view import TicketProjection, TicketView, answer, current_details, view
    from workflows import search_attributes as sa
    from workflows.messages import (
        AgentResponse,
        CallbackReport,
        Confirmation,
        CoverageGiven,
        CustomerReply,
        DuplicateDecision,
        FeedbackGiven,
        FeedbackLink,
        OpenTicket,
        PageAcknowledgement,
        PlanChange,
        Reopen,
        ResolutionProposal,
        SeverityChange,
        StatusChange,
        TicketWorkflowInput,
        TypeChange,
        UpdateIntervalChange,
    )

#: Activities retry until they succeed: a database or mail outage delays, never drops.
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1),
                             maximum_interval=timedelta(minutes=1))
ACTIVITY_TIMEOUT = timedelta(seconds=30)
#: A message's attempt heartbeats every second: silence this long means its worker died,
#: and the attempt is retried elsewhere at once rather than after ACTIVITY_TIMEOUT.
MESSAGE_HEARTBEAT_TIMEOUT = timedelta(seconds=5)

REFUSED = "TransitionRefused"
IDEMPOTENCY_CONFLICT = "IdempotencyKeyReused"


#: Patch id: tickets also publish TicketId, TicketType, NextDueAt and NextDueClock.
SEARCH_ATTRIBUTES_V2 = "search-attributes-next-due"
#: Patch id: the projection is written by a local activity (no server round trip before a
#: breach goes out), and messages are sent in the background: together, not one after
#: another, and a message still retrying (a mail server down) never holds up the next
#: deadline.
BACKGROUND_MESSAGES = "local-projection-background-messages"
#: Patch id: continue-as-new no longer waits for messages still being delivered (they go
#: along with the state), and settling keeps writing the projection and serving deadlines
#: while handlers finish: a mail outage can no longer freeze a long-lived ticket.
CARRY_MESSAGES = "continue-as-new-carries-messages"
#: Patch id: tickets also publish PolicyVersion ("file@hash"). A ticket that started before
#: it publishes it from its next change on; its history up to then replays unchanged.
POLICY_VERSION_ATTRIBUTE = "search-attribute-policy-version"
#: Patch id: a request takes its support slot as a step of its own ticket (``take_slot``),
#: not in the API before the ticket exists.
SLOT_TAKEN_BY_TICKET = "slot-taken-by-the-ticket"


def _publishes_policy_version() -> bool:
    """Its own function so the replay test can take the guard away and watch replay fail."""
    return workflow.patched(POLICY_VERSION_ATTRIBUTE)


def _same(current: object, wanted: object) -> bool:
    """Visibility may store datetimes at a coarser precision than ours."""
    if isinstance(current, datetime) and isinstance(wanted, datetime):
        return abs(current - wanted) < timedelta(milliseconds=1)
    return current == wanted


def _activity_summary(message: Notification) -> str:
    """E.g. "page Tess (tam) level 2 via sms"."""
    level = f" level {message.facts['level']}" if "level" in message.facts else ""
    recipient = message.recipient
    return f"{message.kind.replace('_', ' ')} {recipient.name} ({recipient.role}){level} " \
        f"via {message.channel}"


def _refuse(reason: str | None) -> None:
    if reason is not None:
        raise ApplicationError(reason, type=REFUSED, non_retryable=True)


@workflow.defn
class TicketWorkflow:
    """A support ticket and its SLA clocks, from creation until its reopen window ends.

    Updates (each with a validator that refuses illegal changes with a reason):
    ``open`` (the create call, sent with update-with-start), ``respond`` (agent
    response, update or automatic acknowledgement), ``customer_reply``,
    ``set_status`` (open / waiting on customer), ``propose_resolution``,
    ``confirm``, ``reopen``; for the emergency line ``record_call``, ``record_callback``,
    ``acknowledge`` (a page) and ``set_update_interval``; ``change_severity``,
    ``change_type`` and ``change_plan`` (a plan or policy version) re-target the clocks;
    ``give_feedback`` rates a closed ticket, once per closure; ``cover`` starts the
    clocks of a request that waited for a support slot; ``decide_duplicate`` confirms a
    suspected duplicate (its clocks end, the original is told) or rejects it.
    Every update answers, once the database projection holds the change, with the live
    view less the ticket's bulky text (``sla.view.answer``); the ``sla`` query has it all.

    Query: ``sla`` (live view: status, each clock's due time, remaining time and
    state, escalation level).

    Timers: one at a time, on the nearest of the clocks' warning and due times (the
    emergency callback among them), the next page, the auto-close time, and the end
    of the reopen window; its summary names it (e.g. "callback due").

    Activities: ``record_ticket`` (the projection: ticket row and timeline; a local
    activity, so a step costs no extra server round trip) and ``send_notification``
    (each warning, breach and escalation, exactly once; sent in the background, so a
    message still retrying never delays the next deadline).
    """

    @workflow.init
    def __init__(self, input: TicketWorkflowInput) -> None:
        if input.carried_state is not None:
            self.state: TicketState = input.carried_state
        else:
            self.state = lifecycle.open_ticket(
                input.details, input.plan, workflow.now(), input.request_fingerprint
            )
        if not self.state.feedback_secret:
            # Seeded by Temporal: the same on every replay, unknown outside the ticket.
            self.state.feedback_secret = workflow.uuid4().hex
        self.projected_version = -1
        self.input = input
        #: Messages handed to send_notification and not yet answered, by idempotency key.
        self.in_flight: dict[str, Notification] = {}

    @workflow.run
    async def run(self, input: TicketWorkflowInput) -> TicketView:
        claim = input.slot_claim
        # Before anything is written or sent: a request that lost the last slot to another
        # is told it waits, never sent a receipt first.
        if claim is not None and input.carried_state is None \
                and workflow.patched(SLOT_TAKEN_BY_TICKET) \
                and not await self._take_slot(claim, self.state.created_at):
            coverage.slot_went_elsewhere(self.state, workflow.now())
        original = self.state.details.duplicate_of
        if original is not None and input.carried_state is None:
            # Tell the original ticket; a signal survives any crash of the API that opened us.
            await self._link_to(original)
        while True:
            await self._flush()
            if self.state.finished:
                break
            if self._history_is_long():
                if workflow.patched(CARRY_MESSAGES):
                    await self._settle(wait_for_messages=False)
                    # Messages still being delivered (a mail server down, say) go along: the
                    # next run sends them again under the same idempotency keys, so one that
                    # got through meanwhile is not sent twice.
                    self.state.pending_notifications[:0] = list(self.in_flight.values())
                else:
                    await self._settle_before_carrying_messages()
                workflow.continue_as_new(
                    TicketWorkflowInput(
                        details=self.state.details,
                        plan=self.state.plan,
                        carried_state=self.state,
                        max_history_events=input.max_history_events,
                        upsert_search_attributes=input.upsert_search_attributes,
                    )
                )
            await self._wait_for_change_or_deadline()
            lifecycle.advance(self.state, workflow.now())
        if workflow.patched(CARRY_MESSAGES):
            await self._settle(wait_for_messages=True)
        else:
            await self._settle_before_carrying_messages()
        return view(self.state, workflow.now())

    async def _settle(self, wait_for_messages: bool) -> None:
        """Before the run ends or continues as new: every handler done and the projection
        written (and, at the end, every message answered). It keeps writing the projection
        while it waits, so an update accepted meanwhile gets its answer, and it keeps
        serving deadlines: nothing waits on another."""

        def settled() -> bool:
            return workflow.all_handlers_finished() and not (wait_for_messages and self.in_flight)

        while True:
            await self._flush()
            if settled():
                return
            await self._wait_until(settled)
            lifecycle.advance(self.state, workflow.now())

    async def _settle_before_carrying_messages(self) -> None:
        """The shape of runs started before CARRY_MESSAGES (kept for their replay): wait
        for every handler and message first, then write. An update accepted while a
        message still retried could wait forever: the patched ``_settle`` does not."""
        while True:
            await workflow.wait_condition(
                lambda: workflow.all_handlers_finished() and not self.in_flight)
            await self._flush()
            if not self.in_flight and workflow.all_handlers_finished():
                return

    async def _wait_for_change_or_deadline(self) -> None:
        await self._wait_until(lambda: False)

    async def _wait_until(self, done: Callable[[], bool]) -> None:
        """Until ``done``, the ticket changes, or its next deadline comes."""
        version = self.state.version
        wakeup = lifecycle.next_wakeup(self.state)
        timeout = None
        summary = None
        if wakeup is not None:
            timeout = max(wakeup.at - workflow.now(), timedelta(0))
            summary = f"{wakeup.summary} {wakeup.at:%Y-%m-%d %H:%M} UTC"
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: done() or self.state.version != version, timeout=timeout,
                timeout_summary=summary)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return (
            info.is_continue_as_new_suggested()
            or info.get_current_history_length() >= self.input.max_history_events
        )

    async def _flush(self) -> None:
        """Write the projection, then send the messages, until nothing is pending."""
        while self.projected_version < self.state.version or self.state.pending_notifications:
            version = self.state.version
            timeline = self.state.pending_timeline
            self.state.pending_timeline = []
            # Tickets started before the patch keep their activity-then-one-by-one shape.
            background = workflow.patched(BACKGROUND_MESSAGES)
            record = workflow.execute_local_activity if background else workflow.execute_activity
            await record(
                "record_ticket",
                TicketProjection(view=view(self.state, workflow.now()), timeline=timeline),
                start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
                summary=f"record v{version}")
            self._upsert_search_attributes()
            workflow.set_current_details(current_details(self.state))
            self.projected_version = version
            if background:
                self._send_in_background()
            else:
                await self._send_one_by_one()

    async def _send_one_by_one(self) -> None:
        while self.state.pending_notifications:
            notification: Notification = self.state.pending_notifications[0]
            outcome = await self._send(notification)
            self.state.pending_notifications.pop(0)
            self._sent(notification, outcome)

    def _send_in_background(self) -> None:
        """Each message is its own task; the ticket goes back to its deadlines at once."""
        batch, self.state.pending_notifications = self.state.pending_notifications, []
        for notification in batch:
            self.in_flight[notification.idempotency_key] = notification
            asyncio.create_task(self._deliver(notification))  # noqa: RUF006 (settled by in_flight)

    async def _deliver(self, notification: Notification) -> None:
        try:
            outcome = await self._send(notification)
        finally:
            self.in_flight.pop(notification.idempotency_key, None)
        # A message that could not be delivered is a change: the main loop records it.
        self._sent(notification, outcome)

    async def _send(self, notification: Notification) -> str:
        outcome: str = await workflow.execute_activity(
            "send_notification",
            notification,
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            heartbeat_timeout=MESSAGE_HEARTBEAT_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            summary=_activity_summary(notification),
            result_type=str,
        )
        return outcome

    def _sent(self, notification: Notification, outcome: str) -> None:
        # A logged message is on the timeline already, by its delivery attempt; only a
        # message that failed or had nowhere to go is a change of the ticket.
        if outcome not in ("sent", "logged"):
            lifecycle.message_not_delivered(self.state, workflow.now(), notification, outcome)

    def _upsert_search_attributes(self) -> None:
        if not self.input.upsert_search_attributes:
            return
        details = self.state.details
        # Tickets started before the next-due attributes existed keep upserting the
        # original set, so their histories replay unchanged.
        with_next_due = workflow.patched(SEARCH_ATTRIBUTES_V2)
        next_due = lifecycle.next_due(self.state) if with_next_due else None
        plan = self.state.plan
        policy = sa.policy_version(plan.policy_name, plan.policy_hash)
        if policy is not None and not _publishes_policy_version():
            policy = None
        attributes = sa.ticket_attributes(
            status=self.state.status, severity=details.severity, plan=self.state.plan.plan,
            customer_id=details.customer_id, escalation_level=self.state.escalation_level,
            breached=self.state.breached,
            ticket_id=details.ticket_id if with_next_due else None,
            ticket_type=details.type if with_next_due else None,
            next_due=next_due, policy=policy,
        )
        current = workflow.info().typed_search_attributes
        updates: list[SearchAttributeUpdate[Any]] = [
            pair.key.value_set(pair.value) for pair in attributes
            if not _same(current.get(pair.key), pair.value)
        ]
        if with_next_due and next_due is None:
            updates += [key.value_unset() for key in (sa.NEXT_DUE_AT, sa.NEXT_DUE_CLOCK)
                        if current.get(key) is not None]
        if updates:
            workflow.upsert_search_attributes(updates)

    async def _changed(self, change: Callable[[], object]) -> TicketView:
        """Apply a change, then answer once the projection has written it."""
        try:
            change()
        except lifecycle.TransitionRefused as refused:
            raise ApplicationError(str(refused), type=REFUSED, non_retryable=True) from None
        version = self.state.version
        await workflow.wait_condition(lambda: self.projected_version >= version)
        # What changed, not the whole ticket: the answer is kept in the history.
        return answer(self.state, workflow.now())

    @workflow.signal
    def link_duplicate(self, ticket_id: str) -> None:
        """Sent by a later ticket for the same problem."""
        lifecycle.link_duplicate(self.state, workflow.now(), ticket_id)

    # --- queries ----------------------------------------------------------------

    @workflow.query
    def sla(self) -> TicketView:
        return view(self.state, workflow.now())

    @workflow.query
    def feedback_link(self, token: str) -> FeedbackLink:
        return FeedbackLink(status=feedback_link.link_status(self.state, token),
                            ticket_id=self.state.ticket_id, subject=self.state.details.subject)

    # --- updates ----------------------------------------------------------------

    @workflow.update
    async def open(self, request: OpenTicket) -> TicketView:
        if request.request_fingerprint != self.state.request_fingerprint:
            raise ApplicationError(
                "this Idempotency-Key was already used for a different ticket",
                type=IDEMPOTENCY_CONFLICT, non_retryable=True,
            )
        return await self._changed(lambda: None)

    @workflow.update
    async def respond(self, request: AgentResponse) -> TicketView:
        return await self._changed(lambda: lifecycle.respond(
            self.state, workflow.now(), request.author, request.body, request.automatic,
            request.workaround))

    @respond.validator
    def _validate_respond(self, request: AgentResponse) -> None:
        _refuse(lifecycle.refusal_respond(self.state))

    @workflow.update
    async def customer_reply(self, request: CustomerReply) -> TicketView:
        return await self._changed(
            lambda: lifecycle.customer_reply(self.state, workflow.now(), request.body,
                                             request.message_id))

    @customer_reply.validator
    def _validate_customer_reply(self, request: CustomerReply) -> None:
        _refuse(lifecycle.refusal_customer_reply(self.state))

    @workflow.update
    async def set_status(self, request: StatusChange) -> TicketView:
        return await self._changed(lambda: lifecycle.set_status(
            self.state, workflow.now(), request.status, request.author))

    @set_status.validator
    def _validate_set_status(self, request: StatusChange) -> None:
        _refuse(lifecycle.refusal_set_status(self.state, request.status))

    @workflow.update
    async def propose_resolution(self, request: ResolutionProposal) -> TicketView:
        return await self._changed(lambda: lifecycle.propose_resolution(
            self.state, workflow.now(), request.author, request.summary, request.kind))

    @propose_resolution.validator
    def _validate_propose_resolution(self, request: ResolutionProposal) -> None:
        _refuse(lifecycle.refusal_propose_resolution(self.state, request.kind))

    @workflow.update
    async def confirm(self, request: Confirmation) -> TicketView:
        return await self._changed(
            lambda: lifecycle.confirm(self.state, workflow.now(), request.comment))

    @confirm.validator
    def _validate_confirm(self, request: Confirmation) -> None:
        _refuse(lifecycle.refusal_confirm(self.state))

    @workflow.update
    async def reopen(self, request: Reopen) -> TicketView:
        return await self._changed(lambda: lifecycle.reopen(
            self.state, workflow.now(), request.actor, request.reason))

    @reopen.validator
    def _validate_reopen(self, request: Reopen) -> None:
        _refuse(lifecycle.refusal_reopen(self.state))

    @workflow.update
    async def record_call(self, call: EmergencyCall) -> TicketView:
        return await self._changed(lambda: lifecycle.record_call(self.state, workflow.now(), call))

    @record_call.validator
    def _validate_record_call(self, call: EmergencyCall) -> None:
        _refuse(lifecycle.refusal_record_call(self.state))

    @workflow.update
    async def record_callback(self, report: CallbackReport) -> TicketView:
        return await self._changed(lambda: lifecycle.record_callback(
            self.state, workflow.now(), report.agent, report.outcome, report.notes))

    @record_callback.validator
    def _validate_record_callback(self, report: CallbackReport) -> None:
        _refuse(lifecycle.refusal_record_callback(self.state))

    @workflow.update
    async def acknowledge(self, request: PageAcknowledgement) -> TicketView:
        return await self._changed(lambda: lifecycle.acknowledge(
            self.state, workflow.now(), request.level, request.by))

    @acknowledge.validator
    def _validate_acknowledge(self, request: PageAcknowledgement) -> None:
        _refuse(lifecycle.refusal_acknowledge(self.state, request.level))

    @workflow.update
    async def set_update_interval(self, request: UpdateIntervalChange) -> TicketView:
        return await self._changed(lambda: lifecycle.set_update_interval(
            self.state, workflow.now(), request.seconds, request.author))

    @set_update_interval.validator
    def _validate_set_update_interval(self, request: UpdateIntervalChange) -> None:
        _refuse(lifecycle.refusal_set_update_interval(self.state))

    @workflow.update
    async def change_severity(self, request: SeverityChange) -> TicketView:
        return await self._changed(lambda: retarget.change_severity(
            self.state, workflow.now(), request.severity, f"agent:{request.author}"))

    @change_severity.validator
    def _validate_change_severity(self, request: SeverityChange) -> None:
        _refuse(retarget.refusal_change_severity(self.state, request.severity))

    @workflow.update
    async def change_type(self, request: TypeChange) -> TicketView:
        return await self._changed(lambda: retarget.change_type(
            self.state, workflow.now(), request.type, f"agent:{request.author}"))

    @change_type.validator
    def _validate_change_type(self, request: TypeChange) -> None:
        _refuse(retarget.refusal_change_type(self.state, request.type))

    @workflow.update
    async def change_plan(self, request: PlanChange) -> TicketView:
        return await self._changed(lambda: retarget.change_plan(
            self.state, workflow.now(), request.plan, request.actor, request.reason))

    @change_plan.validator
    def _validate_change_plan(self, request: PlanChange) -> None:
        _refuse(retarget.refusal_change_plan(self.state, request.plan))

    @workflow.update
    async def give_feedback(self, request: FeedbackGiven) -> TicketView:
        return await self._changed(lambda: feedback.record_feedback(
            self.state, workflow.now(), request.rating, request.comment, request.token))

    @give_feedback.validator
    def _validate_give_feedback(self, request: FeedbackGiven) -> None:
        _refuse(feedback.refusal_feedback(self.state, request.rating, request.token))

    @workflow.update
    async def cover(self, request: CoverageGiven) -> TicketView:
        if request.slot_claim is not None and \
                not await self._take_slot(request.slot_claim, workflow.now()):
            _refuse(f"{coverage.NO_SLOT_IS_LEFT} {request.slot_claim.label}")
        return await self._changed(lambda: coverage.cover(
            self.state, workflow.now(), request.coverage))

    async def _take_slot(self, claim: SlotClaim, at: datetime) -> bool:
        """Whether the ticket holds the slot (idempotent by ticket: a retry, a replay or a
        second cover of the same ticket takes it once)."""
        taken: bool = await workflow.execute_activity(
            "take_slot", SlotRequest(self.state.ticket_id, claim, at),
            start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
            summary=f"take a slot of contract #{claim.contract_id}", result_type=bool)
        return taken

    @cover.validator
    def _validate_cover(self, request: CoverageGiven) -> None:
        _refuse(coverage.refusal_cover(self.state))

    @workflow.update
    async def decide_duplicate(self, request: DuplicateDecision) -> TicketView:
        original = self.state.details.possible_duplicate_of
        answer = await self._changed(lambda: duplicate_review.decide_duplicate(
            self.state, workflow.now(), request.confirmed, request.author, request.reason))
        if request.confirmed and original is not None:
            # The original's timeline records the link too.
            await self._link_to(original)
        return answer

    async def _link_to(self, original: str) -> None:
        """Signal the original ticket that this one is its duplicate (a signal survives a
        crash of whoever asked); an original that is gone is only logged."""
        try:
            await workflow.get_external_workflow_handle(original).signal(
                TicketWorkflow.link_duplicate, self.state.ticket_id)
        except Exception:
            workflow.logger.warning("could not link %s to %s", self.state.ticket_id, original)

    @decide_duplicate.validator
    def _validate_decide_duplicate(self, request: DuplicateDecision) -> None:
        _refuse(duplicate_review.refusal_decide_duplicate(self.state))
