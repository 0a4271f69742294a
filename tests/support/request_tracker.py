"""A throwaway Request Tracker 5 for tests: Debian's ``request-tracker5``, ``rt5-standalone``
and ``rt5-db-sqlite``, set up in a temporary directory and served by ``rt-server`` on a
free loopback port.

Everything RT keeps lives in that directory: its own site config (``RT_SITE_CONFIG`` and
an empty ``RT_SITE_CONFIG_DIR``, so the machine's /etc/request-tracker5 is never read), the
SQLite database, Mason's cache and the sessions. Where the packages are missing and we may
install them (root, apt-get) they are installed, as the browser tests install Chromium.
Set SKIP_RT_TESTS=1 to skip the RT tests explicitly where RT cannot be installed; otherwise
a missing RT is a failure, not a skip.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from stack.temporal import free_port

PACKAGES = ("request-tracker5", "rt5-standalone", "rt5-db-sqlite")
RT_SERVER = Path("/usr/share/request-tracker5/libexec/rt-server")
SETUP_DATABASE = Path("/usr/sbin/rt-setup-database-5")
MAILGATE = "rt-mailgate-5"
SETUP_SCRIPT = Path(__file__).with_name("request_tracker_setup.pl")
#: The custom fields the setup script creates on the General queue.
SLA_STATE_FIELD = "SLA state"
NEXT_DUE_FIELD = "SLA next due"
#: The address RT answers mail for: a customer's reply goes to it through the mail gateway.
CORRESPOND_ADDRESS = "rt@example.test"

SITE_CONFIG = """\
Set($rtname, 'sla-test');
Set($Organization, 'example.test');
Set($WebDomain, '127.0.0.1');
Set($WebPort, {port});
Set($WebPath, '');
Set($DatabaseType, 'SQLite');
Set($DatabaseName, '{directory}/rt.db');
Set($LogToSyslog, undef);
Set($LogToSTDERR, 'warning');
Set($LogToFile, undef);
Set($Timezone, 'UTC');
Set($CorrespondAddress, '{correspond}');
Set($CommentAddress, 'rt-comment@example.test');
# RT's own notifications go to a file in the directory, never to a mail server.
Set($MailCommand, 'mbox');
$RT::VarPath = '{directory}';
$RT::MasonDataDir = '{directory}/mason_data';
$RT::MasonSessionDir = '{directory}/session_data';
1;
"""


@dataclass
class RequestTracker:
    """A running RT: its base URL and the tokens of root, of alice (a privileged agent) and
    of sla-connector (the connector's user, with only the rights docs/request-tracker.md
    asks for)."""

    url: str
    root_token: str
    agent_token: str
    connector_token: str
    directory: Path
    #: Seconds the install (0 where already installed), the setup and the start took.
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def rest2(self) -> str:
        return f"{self.url}/REST/2.0"

    def client(self, token: str | None = None) -> httpx.Client:
        """A REST2 client, as root unless another token is given."""
        return httpx.Client(base_url=self.rest2, timeout=30,
                            headers={"Authorization": f"token {token or self.root_token}"})

    def create_ticket(self, subject: str, requestor: str, content: str,
                      priority: int | None = None) -> int:
        """A ticket on General, created through REST2 (as an agent opens one for a caller)."""
        body: dict[str, object] = {"Queue": "General", "Subject": subject,
                                   "Requestor": requestor, "Content": content,
                                   "ContentType": "text/plain"}
        if priority is not None:
            body["Priority"] = priority
        with self.client() as http:
            answer = http.post("/ticket", json=body)
        answer.raise_for_status()
        return int(answer.json()["id"])

    def agent_reply(self, ticket: int, content: str) -> None:
        """alice answers the requester (an RT Correspond by staff)."""
        with self.client(self.agent_token) as http:
            answer = http.post(f"/ticket/{ticket}/correspond",
                               json={"Content": content, "ContentType": "text/plain"})
        answer.raise_for_status()

    def mail_in(self, sender: str, ticket: int, subject: str, body: str) -> None:
        """A customer's mail reaching RT through its mail gateway (``rt-mailgate``), as a
        requester's reply does."""
        message = (f"From: {sender}\nTo: {CORRESPOND_ADDRESS}\n"
                   f"Subject: [sla-test #{ticket}] {subject}\n\n{body}\n")
        subprocess.run([MAILGATE, "--queue", "General", "--action", "correspond",
                        "--url", f"{self.url}/"], input=message.encode(), check=True,
                       capture_output=True, timeout=60)


def _installed() -> bool:
    return RT_SERVER.exists() and SETUP_DATABASE.exists() and shutil.which(MAILGATE) is not None


def require_request_tracker() -> float:
    """RT's packages, installed where missing and possible; returns the install's seconds."""
    if os.environ.get("SKIP_RT_TESTS") == "1":
        pytest.skip("SKIP_RT_TESTS=1: Request Tracker tests skipped on purpose")
    if _installed():
        return 0.0
    started = time.monotonic()
    if os.geteuid() == 0 and shutil.which("apt-get"):
        environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        # The tests make their own database: the package's dbconfig database is not wanted.
        subprocess.run(["debconf-set-selections"], check=False, capture_output=True,
                       input=b"request-tracker5 request-tracker5/dbconfig-install boolean false\n")
        command = ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
        if subprocess.run(command, check=False, capture_output=True, env=environment).returncode:
            subprocess.run(["apt-get", "update", "-q"], check=False, capture_output=True)
            subprocess.run(command, check=False, capture_output=True, env=environment)
    if not _installed():
        pytest.fail("Request Tracker 5 (request-tracker5, rt5-standalone, rt5-db-sqlite) is "
                    "missing and could not be installed; set SKIP_RT_TESTS=1 to skip the RT "
                    "tests on purpose")
    return time.monotonic() - started


def _wait_until_up(url: str, token: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"rt-server exited: {log.read_text(errors='replace')[-2000:]}")
        try:
            if httpx.get(f"{url}/REST/2.0/rt", headers={"Authorization": f"token {token}"},
                         timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"rt-server did not answer within 60 s: {log.read_text()[-2000:]}")


@contextmanager
def temporary_request_tracker() -> Iterator[RequestTracker]:
    """RT 5 set up afresh in a temporary directory and served on a free loopback port."""
    install = require_request_tracker()
    directory = Path(tempfile.mkdtemp(prefix="sla-rt-"))
    (directory / "site.d").mkdir()
    (directory / "mason_data").mkdir()
    (directory / "session_data").mkdir()
    port = free_port()
    (directory / "RT_SiteConfig.pm").write_text(SITE_CONFIG.format(
        port=port, directory=directory, correspond=CORRESPOND_ADDRESS))
    environment = {**os.environ, "RT_SITE_CONFIG": str(directory / "RT_SiteConfig.pm"),
                   "RT_SITE_CONFIG_DIR": str(directory / "site.d")}
    started = time.monotonic()
    subprocess.run([str(SETUP_DATABASE), "--action", "init", "--skip-create"], check=True,
                   capture_output=True, env=environment, cwd=directory, timeout=120)
    output = subprocess.run(["perl", str(SETUP_SCRIPT), secrets.token_urlsafe(16)],
                            check=True, capture_output=True, env=environment, cwd=directory,
                            timeout=120).stdout.decode()
    tokens = dict(line.split(" ", 1) for line in output.splitlines() if line.strip())
    setup = time.monotonic() - started
    log = directory / "rt-server.log"
    started = time.monotonic()
    server = subprocess.Popen(
        [str(RT_SERVER), "--host", "127.0.0.1", "--port", str(port), "--max-workers", "2"],
        env=environment, cwd=directory, stdout=open(log, "ab"),  # noqa: SIM115
        stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(url, tokens["root"], server, log)
        yield RequestTracker(url, tokens["root"], tokens["alice"], tokens["sla-connector"], directory,
                             {"install": install, "setup": setup,
                              "start": time.monotonic() - started})
    finally:
        # Starlet forks its workers: stop the whole group it leads.
        try:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            with suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        shutil.rmtree(directory, ignore_errors=True)
