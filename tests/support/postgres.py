"""A throwaway PostgreSQL server for tests, from the machine's PostgreSQL binaries.

Skipped where PostgreSQL is not installed, unless REQUIRE_POSTGRES=1 (as in CI),
which turns a missing server into a failure instead of a silent skip.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def temporary_postgres() -> Iterator[str]:
    """Start a server in a fresh directory; yields a SQLAlchemy URL for its ``postgres`` database."""
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        message = "PostgreSQL binaries (initdb, pg_ctl) not found"
        if os.environ.get("REQUIRE_POSTGRES") == "1":
            pytest.fail(message)
        pytest.skip(message)
    # Not under pytest's tmp_path: its parents are private to root, closed to the postgres user.
    directory = Path(tempfile.mkdtemp(prefix="sla-postgres-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root; run it as the packaged postgres user.
        owner = pwd.getpwnam("postgres")
        os.chown(directory, owner.pw_uid, owner.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data = directory / "data"
    port = _free_port()
    subprocess.run([*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "test",
                    "--no-sync"], check=True, capture_output=True)
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run([*prefix, pg_ctl, "-D", str(data), "-o", options, "-w", "-l",
                    str(directory / "server.log"), "start"], check=True, capture_output=True)
    try:
        yield f"postgresql+psycopg://test@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"],
                       check=False, capture_output=True)
        shutil.rmtree(directory, ignore_errors=True)


def new_database(server_url: str) -> str:
    """A fresh, empty database on the test server; returns its URL."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"
