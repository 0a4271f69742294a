"""``make run``: the whole stack in the foreground: Temporal, the worker and the API.

Without ``TEMPORAL_ADDRESS`` an embedded dev server starts, persisting to
``.data/temporal.db``; with it, the worker and the API use that cluster. Ctrl-C
stops everything in order (API, worker, then the server); data stays on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import signal
import sys
from collections.abc import Iterator

import uvicorn
from sqlmodel import Session

import config
import logs
from channels.templates import MessageTemplates
from config import Settings, get_settings, settings_or_exit
from sla.policy.loading import PolicyError, load_policy
from stack.demo import load_demo_customers
from stack.temporal import DevServer, embedded_key_file
from store.db import make_engine
from store.keys import create_key, has_admin_key
from store.migrations import upgrade
from worker import run_worker
from workflow_client import connect, ensure_search_attributes, require_search_attributes

logger = logging.getLogger("stack")
WORKER_SHUTDOWN_SECONDS = 30


class ApiServer(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # The stack owns Ctrl-C: it stops the API, the worker and Temporal in order.
        yield


async def run_stack(settings: Settings) -> None:
    policy = load_policy(settings.sla_policy_file)
    template_problems = MessageTemplates(settings.templates_dir).check()
    if template_problems:
        raise RuntimeError("message templates do not render:\n  - " + "\n  - ".join(template_problems))
    settings = with_embedded_key(settings)
    # After the checks: a start-up refused leaves nothing behind in the data directory.
    settings = with_feedback_link_secret(settings)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    if settings.demo_data:
        with Session(engine) as session:
            added = load_demo_customers(session, policy)
        if added:
            logger.info("demo customers added: %s", ", ".join(added))
    with Session(engine) as session:
        if not has_admin_key(session):
            # Printed once, on the first start; only its hash is kept.
            _row, key = create_key(session, "admin", "local admin (make run)")
            print(f"\n  Local admin API key (shown once, keep it):\n\n    {key}\n\n"
                  "  curl -H 'Authorization: Bearer <key>' http://localhost:8000/tickets\n"
                  "  More keys: POST /keys, or python -m cli.keys create --role agent\n",
                  flush=True)
    engine.dispose()

    server: DevServer | None = None
    if settings.temporal_address is None:
        server = DevServer(settings.data_dir / "temporal.db", settings.temporal_port,
                           settings.temporal_ui_port, log_file=settings.data_dir / "temporal.log",
                           codec_endpoint=f"{settings.effective_public_base_url}/codec")
        logger.info("starting the Temporal dev server (data in %s)", server.db_file)
        await server.start()
        logger.info("Temporal Web UI: http://localhost:%d (ticket data decrypted for staff "
                    "signed in at %s/sign-in: in the UI's codec settings, include "
                    "cross-origin credentials)", settings.temporal_ui_port,
                    settings.effective_public_base_url)
    try:
        client = await connect(settings)
        if server is not None:
            # Our own server: register what it lacks (say, after an upgrade added one). An
            # external cluster is the operator's: the worker names what is missing instead.
            await ensure_search_attributes(client, settings.temporal_namespace)
        await require_search_attributes(client, settings.temporal_namespace)

        stop = asyncio.Event()
        api = ApiServer(uvicorn.Config("api.main:app", host=settings.api_host,
                                        port=settings.api_port, log_level="info",
                                        # uvicorn's loggers go through ours (JSON or text).
                                        log_config=None))
        loop = asyncio.get_running_loop()

        def shut_down() -> None:
            stop.set()
            api.should_exit = True

        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, shut_down)
        worker = asyncio.create_task(run_worker(settings, stop, embedded=True))
        logger.info("API: http://%s:%d (OpenAPI at /docs)", settings.api_host, settings.api_port)
        await api.serve()
        stop.set()
        try:
            await asyncio.wait_for(worker, timeout=WORKER_SHUTDOWN_SECONDS)
        except TimeoutError:
            # A workflow stuck in user code cannot be evicted and would hold us forever;
            # Temporal retries its task on the next start, so stopping is safe.
            logger.warning("the worker did not stop within %ss; stopping anyway",
                           WORKER_SHUTDOWN_SECONDS)
    finally:
        if server is not None:
            logger.info("stopping the Temporal dev server")
            server.stop()


def with_embedded_key(settings: Settings) -> Settings:
    """The embedded stack encrypts with a key of its own unless one is configured. The API
    reads its settings again (``get_settings``), so the key file goes in the environment."""
    if (settings.temporal_address is not None or settings.payload_encryption == "off"
            or settings.payload_keys_text() is not None):
        return settings
    os.environ["PAYLOAD_ENCRYPTION_KEYS_FILE"] = str(embedded_key_file(settings.data_dir))
    get_settings.cache_clear()
    return settings_or_exit()


def with_feedback_link_secret(settings: Settings) -> Settings:
    """``make run`` signs feedback links without setup: a secret made once in the data
    directory (kept across restarts, so links sent before one still open), handed to the
    worker and, through the environment, to the API."""
    if settings.feedback_link_secret is not None:
        return settings
    path = settings.data_dir / "feedback-link-secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_hex(32))
    os.environ["FEEDBACK_LINK_SECRET"] = path.read_text().strip()
    config.get_settings.cache_clear()
    return config.get_settings()


def main() -> None:
    settings = settings_or_exit()
    logs.configure(settings.log_level, settings.log_format)
    try:
        asyncio.run(run_stack(settings))
    except PolicyError as error:
        print(error, file=sys.stderr)
        sys.exit(2)
    except RuntimeError as error:
        print(f"cannot start: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
