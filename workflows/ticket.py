"""The ticket workflow: one per ticket, its id is the ticket id."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ApplicationError

from workflows.delivery import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, MessageDelivery
from workflows.patches import (
    CARRY_MESSAGES,
    SERVER_FEEDBACK_LINKS,
    SLOT_TAKEN_BY_TICKET,
    UNSENT_GO_ALONG,
    Patches,
)
from workflows.projection import Projection

with workflow.unsafe.imports_passed_through():
    from sla.ticket import (
        coverage,
        duplicate_review,
        emergency_line,
        feedback_link,
        lifecycle,
        steps,
    )
    from sla.ticket.changes import TicketChange, change_named
    from sla.ticket.state import EmergencyCall, SlotClaim, SlotRequest, TicketState
    from sla.ticket.view import TicketView, answer, view
    from workflows.messages import (
        CoverageGiven,
        DuplicateDecision,
        FeedbackLink,
        OpenTicket,
        TicketWorkflowInput,
    )

#: A change's payload, at most: more than any door lets through (20,000 characters a text,
#: escaped), and small enough that copied into its messages (a body and its facts) and into
#: the state it stays far from Temporal's 2 MB payload limit.
LARGEST_CHANGE_BYTES = 512 * 1024
#: The error types a refused update carries (``tickets.errors`` tells them apart).
REFUSED = "TransitionRefused"
IDEMPOTENCY_CONFLICT = "IdempotencyKeyReused"



def _refuse(reason: str | None) -> None:
    if reason is not None:
        raise _refused(reason)


def _refused(reason: str) -> ApplicationError:
    return ApplicationError(reason, type=REFUSED, non_retryable=True)


def _change_sent(update: str, args: Sequence[RawValue]) -> TicketChange:
    """The change an update carries; an update this worker does not know (an API newer
    than its workers, say) or a payload that is not the change's is refused, not retried."""
    kind = change_named(update)
    if kind is None:
        raise _refused(f"this ticket takes no change called {update!r}")
    if len(args) != 1:
        raise _refused(f"a {update} change is one argument, not {len(args)}")
    try:
        change: TicketChange = workflow.payload_converter().from_payload(args[0].payload, kind)
    except Exception as error:  # the converter's errors differ by payload
        raise _refused(f"not a {update} change: {error}") from None
    return change


def _too_large(update: str, size: int) -> str | None:
    if size <= LARGEST_CHANGE_BYTES:
        return None
    return (f"a change is at most {LARGEST_CHANGE_BYTES // 1024} KiB; this {update} is "
            f"{size // 1024} KiB")


@workflow.defn
class TicketWorkflow:
    """A support ticket and its SLA clocks, from creation until its reopen window ends.

    Updates (each with a validator that refuses illegal changes with a reason):
    ``open`` (the create call, sent with update-with-start) and ``record_call`` (an
    emergency call, which may open the ticket too); ``cover`` starts the clocks of a
    request that waited for a support slot, taking the slot first; ``decide_duplicate``
    confirms a suspected duplicate (its clocks end, the original is told) or rejects it.
    Every other change is one definition of ``sla.ticket.changes``, taken by one handler
    under its own update name: ``respond``, ``customer_reply``, ``set_status``,
    ``propose_resolution``, ``confirm``, ``reopen``, ``record_callback``, ``acknowledge``
    (a page), ``set_update_interval``, ``change_severity``, ``change_type``,
    ``change_plan`` (a plan or policy version) and ``give_feedback``.
    Every update answers, once the database projection holds the change, with the live
    view less the ticket's bulky text (``sla.ticket.view.answer``); the ``sla`` query has it all.

    Query: ``sla`` (live view: status, each clock's due time, remaining time and
    state, escalation level).

    Timers: one at a time, on the nearest of the clocks' warning and due times (the
    emergency callback among them), the next page, the auto-close time, and the end
    of the reopen window; its summary names it (e.g. "callback due").

    Activities: ``record_ticket`` (the projection: ticket row and timeline; a local
    activity, so a step costs no extra server round trip) and ``send_notifications``
    (each warning, breach and escalation, exactly once; a step's messages in one
    activity, sent in the background, so a message still retrying never delays the next
    deadline).
    """

    @workflow.init
    def __init__(self, input: TicketWorkflowInput) -> None:
        if input.carried_state is not None:
            self.state: TicketState = input.carried_state
        else:
            self.state = lifecycle.open_ticket(
                input.details, input.plan, workflow.now(), input.request_fingerprint
            )
        #: The secret a ticket made of its own before links were signed by the server
        #: (``_decide_feedback_secret``). Drawn here as it always was, from randomness seeded
        #: by Temporal, so a run recorded then replays with the same one.
        self._own_secret: str | None = None
        if not self.state.feedback_secret:
            self._own_secret = workflow.uuid4().hex
        self.input = input
        self.patched = Patches()
        self.delivery = MessageDelivery(self.state, self.patched)
        self.projection = Projection(self.state, self.delivery, self.patched,
                                     input.upsert_search_attributes)

    @workflow.run
    async def run(self, input: TicketWorkflowInput) -> TicketView:
        claim = input.slot_claim
        # Before anything is written or sent: a request that lost the last slot to another
        # is told it waits, never sent a receipt first.
        if claim is not None and input.carried_state is None \
                and self.patched(SLOT_TAKEN_BY_TICKET) \
                and not await self._take_slot(claim, self.state.created_at):
            coverage.slot_went_elsewhere(self.state, workflow.now())
        original = self.state.details.duplicate_of
        if original is not None and input.carried_state is None:
            # Tell the original ticket; a signal survives any crash of the API that opened us.
            await self._link_to(original)
        while True:
            # Whether to continue as new is decided before the step's messages are sent: a
            # run that continues sends nothing more, its messages go along unsent. (Each
            # patch is asked only once the history is long, where older runs asked theirs.)
            continuing = self._history_is_long() and self.patched(UNSENT_GO_ALONG)
            await self.projection.flush(send=not continuing)
            self._decide_feedback_secret()
            if self.state.finished:
                break
            if continuing or (self._history_is_long() and not self.patched(UNSENT_GO_ALONG)):
                if self.patched(CARRY_MESSAGES):
                    await self._settle(wait_for_messages=False, send=not continuing)
                    # Messages still being delivered (a mail server down, say) go along: the
                    # next run sends them again under the same idempotency keys, so one that
                    # got through meanwhile is not sent twice.
                    self.state.pending_notifications[:0] = list(self.delivery.in_flight.values())
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
        if self.patched(CARRY_MESSAGES):
            await self._settle(wait_for_messages=True)
        else:
            await self._settle_before_carrying_messages()
        return view(self.state, workflow.now())

    async def _settle(self, wait_for_messages: bool, send: bool = True) -> None:
        """Before the run ends or continues as new: every handler done and the projection
        written (and, at the end, every message answered). It keeps writing the projection
        while it waits, so an update accepted meanwhile gets its answer, and it keeps
        serving deadlines: nothing waits on another."""

        def settled() -> bool:
            return workflow.all_handlers_finished() and not (wait_for_messages and self.delivery.in_flight)

        def written() -> bool:
            # At the end, the last row is written before the run completes (a run that
            # continues as new carries a failing write along instead), unless it has
            # failed for so long that it is given up (the failure stays on the result).
            return not (wait_for_messages and self.projection.failing
                        and not steps.given_up(self.state, workflow.now()))

        while True:
            await self.projection.flush(send=send)
            if settled() and written():
                return
            await self._wait_until(lambda: settled() and written())
            lifecycle.advance(self.state, workflow.now())

    async def _settle_before_carrying_messages(self) -> None:
        """The shape of runs started before CARRY_MESSAGES (kept for their replay): wait
        for every handler and message first, then write. An update accepted while a
        message still retried could wait forever: the patched ``_settle`` does not."""
        while True:
            await workflow.wait_condition(
                lambda: workflow.all_handlers_finished() and not self.delivery.in_flight)
            await self.projection.flush()
            if not self.delivery.in_flight and workflow.all_handlers_finished():
                return

    async def _wait_for_change_or_deadline(self) -> None:
        await self._wait_until(lambda: False)

    async def _wait_until(self, done: Callable[[], bool]) -> None:
        """Until ``done``, the ticket changes, or its next deadline comes."""
        version = self.state.version
        wakeup = steps.next_wakeup(self.state)
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

    def _decide_feedback_secret(self) -> None:
        """Once the run's shape is known (its first projection write asks it): a run that
        started before SERVER_FEEDBACK_LINKS keeps the secret it made, and its links are
        checked as they were; a later one keeps none, so no token is in its history.

        Asked only then: a patch asked earlier would record the shape marker before the
        commands older runs recorded first, and their histories would no longer replay."""
        if self._own_secret is None or not self.patched.shape_known:
            return
        if not self.patched(SERVER_FEEDBACK_LINKS):
            self.state.feedback_secret = self._own_secret
        self._own_secret = None

    async def _changed(self, change: Callable[[], object]) -> TicketView:
        """Apply a change, then answer once the projection has written it."""
        self._decide_feedback_secret()
        try:
            change()
        except lifecycle.TransitionRefused as refused:
            raise ApplicationError(str(refused), type=REFUSED, non_retryable=True) from None
        version = self.state.version
        # While the projection keeps failing, the answer comes from the workflow alone:
        # the change is made, and the row catches up when the write succeeds again.
        await workflow.wait_condition(
            lambda: self.projection.version >= version or self.projection.failing)
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

    @workflow.query
    def feedback_closure(self, closure: int) -> FeedbackLink:
        """The link of closure number ``closure``, its token checked by the API (the server's
        secret never reaches the ticket)."""
        return FeedbackLink(status=feedback_link.closure_status(self.state, closure),
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

    @workflow.update(dynamic=True)
    async def change(self, update: str, args: Sequence[RawValue]) -> TicketView:
        """Every change of ``sla.ticket.changes``, found by the update's name (``respond``,
        ``customer_reply``, ``set_status`` and the rest): it applies once the validator
        found no refusal."""
        change = _change_sent(update, args)
        return await self._changed(lambda: change.apply(self.state, workflow.now()))

    @change.validator
    def _validate_change(self, update: str, args: Sequence[RawValue]) -> None:
        # A change that cannot apply is refused here, before it enters the history. (The
        # size is checked here only: validators do not run on replay, and a change
        # accepted before the limit must replay as it ran.)
        _refuse(_too_large(update, sum(len(arg.payload.data) for arg in args)))
        _refuse(_change_sent(update, args).refusal(self.state))

    @workflow.update
    async def record_call(self, call: EmergencyCall) -> TicketView:
        return await self._changed(lambda: emergency_line.record_call(self.state, workflow.now(), call))

    @record_call.validator
    def _validate_record_call(self, call: EmergencyCall) -> None:
        _refuse(_too_large("record_call", len(
            workflow.payload_converter().to_payloads([call])[0].data)))
        _refuse(emergency_line.refusal_record_call(self.state))

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
