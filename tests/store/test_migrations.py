"""Migrations build every table, and nothing runs on a database that is behind."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel
from starlette.testclient import TestClient

from api.main import create_app
from config import Settings
from store.db import make_engine
from store.migrations import (
    BASELINE,
    DatabaseBehind,
    alembic_config,
    current,
    head,
    require_current,
    upgrade,
)

ROOT = Path(__file__).resolve().parents[2]


def test_migrated_schema_is_the_models_schema(any_engine: Engine) -> None:
    with any_engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, SQLModel.metadata) == []
    assert current(any_engine) == head()
    require_current(any_engine)


def test_migrations_run_down_and_up_again(any_engine: Engine) -> None:
    config = alembic_config()
    with any_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert current(any_engine) is None
    upgrade(any_engine)
    assert current(any_engine) == head()


def test_an_empty_database_is_refused_with_the_upgrade_command(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    with pytest.raises(DatabaseBehind, match=r"has no tables yet.*`alembic upgrade head`"):
        require_current(engine)


def test_a_database_at_an_older_revision_is_refused(engine: Engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(DatabaseBehind, match="is at revision 0000; this code needs revision"):
        require_current(engine)


def test_timeline_entries_from_before_0002_get_their_clock_and_level(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, BASELINE)
        connection.execute(text(
            "INSERT INTO customer (id, name, plan, locale, time_zone, created_at) "
            "VALUES (1, 'Acme', 'premium', 'en', 'UTC', '2026-11-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO ticket (id, customer_id, subject, description, severity, type, channel,"
            " plan, status, escalation_level, breached, created_at, updated_at, version) VALUES"
            " ('T-1', 1, 's', '', 'major', 'incident', 'api', 'premium', 'open', 2, 1,"
            " '2026-11-01 00:00:00', '2026-11-01 00:00:00', 1)"))
        for seq, kind, detail in [
            (1, "created", "major incident via api"),
            (2, "sla_breach", "first response clock breached"),
            (3, "escalated", "level 2: Tess (tam)"),
            (4, "paged", "level 1: On call (on_call)"),
            (5, "sla_breach", "Callback clock breached"),
        ]:
            connection.execute(text(
                "INSERT INTO timelineevent (ticket_id, seq, at, kind, actor, detail) VALUES "
                "('T-1', :seq, '2026-11-01 01:00:00', :kind, 'system', :detail)"),
                {"seq": seq, "kind": kind, "detail": detail})
    upgrade(engine)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT kind, clock, level FROM timelineevent ORDER BY seq")).all()
    assert [tuple(row) for row in rows] == [
        ("created", None, None),
        ("sla_breach", "first_response", None),
        ("escalated", None, 2),
        ("paged", "callback", 1),
        ("sla_breach", "callback", None),
    ]


def test_a_database_made_before_migrations_is_stamped_and_upgraded(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    # The schema create_all made before migrations existed is revision 0001's, unversioned.
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, BASELINE)
        connection.execute(text("DROP TABLE alembic_version"))
    with pytest.raises(DatabaseBehind, match="created before migrations"):
        require_current(engine)
    upgrade(engine)
    require_current(engine)


def test_the_worker_and_the_api_refuse_a_database_that_is_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'behind.db'}"
    env = {**os.environ, "DATABASE_URL": url, "TEMPORAL_ADDRESS": "127.0.0.1:1"}
    worker = subprocess.run([sys.executable, "worker.py"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=60)
    assert worker.returncode == 1
    assert "alembic upgrade head" in worker.stderr
    assert "Traceback" not in worker.stderr
    settings = Settings(database_url=url, temporal_address="127.0.0.1:1")
    with pytest.raises(DatabaseBehind, match="alembic upgrade head"), \
            TestClient(create_app(settings)):
        pass


def test_alembic_upgrade_head_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    env = {**os.environ, "DATABASE_URL": url}
    run = subprocess.run([str(Path(sys.executable).with_name("alembic")), "upgrade", "head"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    require_current(make_engine(url))
