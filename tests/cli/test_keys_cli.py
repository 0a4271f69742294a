"""``python -m cli.keys`` as an operator rotates keys on the server's shell."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlmodel import Session

from cli.keys import main
from config import get_settings
from store.db import make_engine
from store.keys import find_key
from store.migrations import upgrade

pytestmark = pytest.mark.pure


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


Keys = Callable[..., Run]


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Keys]:
    """Runs the command with DATABASE_URL set, as on the server's shell."""

    def run(url: str, *args: str) -> Run:
        monkeypatch.setenv("DATABASE_URL", url)
        get_settings.cache_clear()
        code = main(list(args))
        out = capsys.readouterr()
        return Run(code, out.out, out.err)

    yield run
    get_settings.cache_clear()


def test_create_list_and_revoke_rotate_a_key(tmp_path: Path, keys: Keys) -> None:
    url = f"sqlite:///{tmp_path / 'app.db'}"
    engine = make_engine(url)
    upgrade(engine)
    old = keys(url, "create", "--role", "agent", "--name", "ana")
    assert old.returncode == 0, old.stderr
    old_key = old.stdout.strip()
    assert old_key.startswith("sla_") and "only its hash is stored" in old.stderr
    new = keys(url, "create", "--role", "agent", "--name", "ana (rotated)",
               "--email", "ana@team.example")
    new_key = new.stdout.strip()

    listed = keys(url, "list").stdout.splitlines()
    assert [[*line.split("\t")[:5], line.split("\t")[6]] for line in listed] == [
        ["1", "agent", "-", "ana", "-", "active"],
        ["2", "agent", "-", "ana (rotated)", "ana@team.example", "active"]]
    assert old_key not in "\n".join(listed)

    revoked = keys(url, "revoke", "1")
    assert revoked.returncode == 0
    assert revoked.stdout.startswith("key 1 (agent, ana) revoked at ")
    assert keys(url, "list").stdout.splitlines()[0].split("\t")[6].startswith("revoked ")
    with Session(engine) as session:
        assert find_key(session, old_key) is None
        assert find_key(session, new_key) is not None

    unknown = keys(url, "revoke", "99")
    assert unknown.returncode == 1 and "no key 99" in unknown.stderr
    customer_without_id = keys(url, "create", "--role", "customer")
    assert customer_without_id.returncode == 2
    assert "needs a customer_id" in customer_without_id.stderr
    two = keys(url, "create", "--role", "agent", "--name", "eve", "--email", "a@x.example, b@x.example")
    assert two.returncode == 2 and "not one email address" in two.stderr


def test_a_database_that_is_behind_is_refused_with_the_upgrade_command(
    tmp_path: Path, keys: Keys
) -> None:
    refused = keys(f"sqlite:///{tmp_path / 'empty.db'}", "list")
    assert refused.returncode == 2
    assert "alembic upgrade head" in refused.stderr and "Traceback" not in refused.stderr
