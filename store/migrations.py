"""Schema migrations (Alembic, ``migrations/``): upgrade, and refuse a database that is behind."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Engine

ROOT = Path(__file__).resolve().parents[1]
UPGRADE_COMMAND = "alembic upgrade head"
#: The first revision: the schema as ``create_all`` made it before migrations existed.
BASELINE = "0001"


class DatabaseBehind(RuntimeError):
    """The database's schema is older (or other) than the code's."""


def alembic_config() -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return config


def head() -> str:
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _unversioned_with_tables(engine: Engine) -> bool:
    tables = set(inspect(engine).get_table_names())
    return "alembic_version" not in tables and "ticket" in tables


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest revision (``make run`` does this on its own)."""
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        if _unversioned_with_tables(engine):
            # Made by create_all before migrations: that schema is the baseline.
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")


def require_current(engine: Engine) -> None:
    """Refuse to run on a database whose schema is not the code's, saying how to upgrade."""
    wanted, found = head(), current(engine)
    if found == wanted:
        return
    where = engine.url.render_as_string(hide_password=True)
    if found is None and not _unversioned_with_tables(engine):
        state = "has no tables yet"
    elif found is None:
        state = "was created before migrations existed"
    else:
        state = f"is at revision {found}"
    raise DatabaseBehind(
        f"the database {where} {state}; this code needs revision {wanted}. Upgrade it with "
        f"`{UPGRADE_COMMAND}` (from the project directory, with the same DATABASE_URL), "
        "then start again. `make run` upgrades its embedded database itself."
    )
