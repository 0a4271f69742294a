"""The command line is one more door: ``python -m cli.tickets change`` parses its fields
into the same change as the API and the console, with the same refusals, and sends it
through the ticket's workflow."""

from __future__ import annotations

import pytest

from cli import tickets as tickets_cli
from tests.support.in_process import InProcessApi


async def test_the_cli_makes_a_change_with_the_same_checks(
    api: InProcessApi, shell_settings: None, capsys: pytest.CaptureFixture[str],
) -> None:
    customer = (await api.http.post("/customers", json={"name": "Shell Co", "plan": "fast"})
                ).json()["id"]
    ticket_id = (await api.http.post("/tickets", json={
        "customer_id": customer, "subject": "From the shell", "description": "d",
        "severity": "minor", "force_new": True})).json()["id"]

    for fields, field in [(["interval=99999999999w"], "interval"),
                          (["interval=0.0000001s"], "interval")]:
        assert await tickets_cli.change(ticket_id, "update-interval", "ana", fields, None) == 2
        assert field in capsys.readouterr().err
    assert await tickets_cli.change(ticket_id, "callback", "ana", ["outcome=voicemail"],
                                    None) == 2
    assert "outcome: Input should be 'reached', 'no_answer' or 'workaround'" in \
        capsys.readouterr().err
    assert await tickets_cli.change(ticket_id, "respond", "ana", ["body=a\x00b"], None) == 2
    assert "body" in capsys.readouterr().err

    assert await tickets_cli.change(ticket_id, "respond", "ana",
                                    ["body=Restarted the pool"], "shell-1") == 0
    assert f"{ticket_id}: respond done" in capsys.readouterr().out
    # The same key again is the same change.
    assert await tickets_cli.change(ticket_id, "respond", "ana",
                                    ["body=Restarted the pool"], "shell-1") == 0
    # A change the ticket's state refuses: the workflow's reason, exit 1.
    assert await tickets_cli.change(ticket_id, "confirm", "ana", [], None) == 1
    assert "confirm refused: only a proposed resolution can be confirmed" in \
        capsys.readouterr().err

    timeline = (await api.http.get(f"/tickets/{ticket_id}/timeline")).json()
    responses = [(event["actor"], event["detail"]) for event in timeline
                 if event["kind"] in ("agent_response", "agent_update")]
    assert responses == [("agent:ana", "Restarted the pool")]
