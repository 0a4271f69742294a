"""The tests' Request Tracker is a real RT 5: a ticket created through REST2 reads back."""

from __future__ import annotations

from tests.support.request_tracker import SLA_STATE_FIELD, RequestTracker


def test_a_ticket_created_through_rest2_reads_back(rt: RequestTracker) -> None:
    ticket = rt.create_ticket("Printer on fire", "carol@customer.test", "It is burning",
                              priority=20)
    with rt.client() as http:
        answer = http.get(f"/ticket/{ticket}")
    assert answer.status_code == 200
    read = answer.json()
    assert read["Subject"] == "Printer on fire"
    assert [person["id"] for person in read["Requestor"]] == ["carol@customer.test"]
    assert read["Priority"] == "20"
    assert SLA_STATE_FIELD in [field["name"] for field in read["CustomFields"]]
