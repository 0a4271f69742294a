"""The patches (``workflow.patched``) of the ticket workflow, and one marker for them all.

Every ``workflow.patched`` a new run passes is written to its history: a marker, and an
upsert of Temporal's TemporalChangeVersion search attribute (a visibility write); a new
ticket passed three in its first workflow task. A run started on this code records one
patch, CURRENT_SHAPE, standing for all of ``FOLLOWED``; a run whose history lacks it
(started before, or by an older worker during a deploy) asks for each patch on its own,
as it always did, so its history replays unchanged.

Once released, a shape marker and the patches it stands for never change: running tickets
recorded that one marker in place of those patches. A later patch joins a new shape marker
(SHAPES, newest first): a run holding an older marker asks for it on its own.
"""

from __future__ import annotations

from temporalio import workflow

#: Continue-as-new no longer waits for messages still being delivered (they go along with
#: the state), and settling keeps writing the projection and serving deadlines while
#: handlers finish: a mail outage can no longer freeze a long-lived ticket.
CARRY_MESSAGES = "continue-as-new-carries-messages"
#: A request takes its support slot as a step of its own ticket (``take_slot``), not in the
#: API before the ticket exists.
SLOT_TAKEN_BY_TICKET = "slot-taken-by-the-ticket"
#: The projection is written by a local activity (no server round trip before a breach
#: goes out), and messages are sent in the background: together, not one after another,
#: and a message still retrying (a mail server down) never holds up the next deadline.
BACKGROUND_MESSAGES = "local-projection-background-messages"
#: Tickets also publish TicketId, TicketType, NextDueAt and NextDueClock.
SEARCH_ATTRIBUTES_V2 = "search-attributes-next-due"
#: Tickets also publish PolicyVersion ("file@hash"). A ticket that started before it
#: publishes it from its next change on; its history up to then replays unchanged.
POLICY_VERSION_ATTRIBUTE = "search-attribute-policy-version"
#: A step's messages (a breach and its escalation) go out in one ``send_notifications``
#: activity, not one activity each: a task and an activity less per breach.
MESSAGES_TOGETHER = "messages-of-a-step-together"

#: The projection's write is retried in bounded rounds: one that keeps failing is
#: recorded on the ticket and tried again later, its messages go out, and the deadlines
#: go on (``workflows.projection``).
PROJECTION_NEVER_HOLDS = "projection-never-holds-the-clocks"

#: A run about to continue as new sends nothing more: what its last step has still to send
#: goes along with the state, unsent. An activity scheduled in a run's last task is abandoned
#: by the continue-as-new (and the time-skipping test server then never skips time again).
UNSENT_GO_ALONG = "continue-as-new-carries-unsent-messages"

#: A new ticket makes no secret of its own: its feedback links are signed by the server
#: (FEEDBACK_LINK_SECRET) outside the workflow, so no token is in its history or in what it
#: carries when it continues as new. A ticket that holds a secret keeps using it.
SERVER_FEEDBACK_LINKS = "feedback-links-signed-by-the-server"

#: Stands for every patch in FOLLOWED: a run that has it follows them all.
CURRENT_SHAPE = "ticket-shape-2026-11-30"
FOLLOWED = frozenset({CARRY_MESSAGES, SLOT_TAKEN_BY_TICKET, BACKGROUND_MESSAGES,
                      SEARCH_ATTRIBUTES_V2, POLICY_VERSION_ATTRIBUTE, MESSAGES_TOGETHER})
#: The shape after it: FOLLOWED and the patches since.
SHAPE_2026_12_02 = "ticket-shape-2026-12-02"
FOLLOWED_2026_12_02 = FOLLOWED | {PROJECTION_NEVER_HOLDS}

SHAPE_2026_12_03 = "ticket-shape-2026-12-03"
FOLLOWED_2026_12_03 = FOLLOWED_2026_12_02 | {UNSENT_GO_ALONG}

SHAPE_2026_12_04 = "ticket-shape-2026-12-04"
FOLLOWED_2026_12_04 = FOLLOWED_2026_12_03 | {SERVER_FEEDBACK_LINKS}

#: Newest first: the markers a run may hold, each with the patches it stands for.
SHAPES = ((SHAPE_2026_12_04, FOLLOWED_2026_12_04), (SHAPE_2026_12_03, FOLLOWED_2026_12_03),
          (SHAPE_2026_12_02, FOLLOWED_2026_12_02), (CURRENT_SHAPE, FOLLOWED))
ANY_SHAPE = frozenset().union(*(followed for _marker, followed in SHAPES))


class Patches:
    """``workflow.patched`` for one ticket run: one marker for all the patches of its shape
    in a new run (the newest of SHAPES)."""

    def __init__(self) -> None:
        #: The patches this run's shape marker stands for; asked at its first patch, so a
        #: run replayed without that marker asks each patch after it, as its history did.
        self._followed: frozenset[str] | None = None

    @property
    def shape_known(self) -> bool:
        """Whether this run's shape marker was asked already (a patch asked now records no
        marker before the ones the run recorded)."""
        return self._followed is not None

    def __call__(self, patch_id: str) -> bool:
        if patch_id not in ANY_SHAPE:
            return workflow.patched(patch_id)
        if self._followed is None:
            # A new run records the newest marker; a replayed one finds the one it holds.
            self._followed = next((followed for marker, followed in SHAPES
                                   if workflow.patched(marker)), frozenset())
        return patch_id in self._followed or workflow.patched(patch_id)
