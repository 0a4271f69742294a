"""``python -m cli.replay``: replay ticket histories against this checkout's workflow code.

Run it before rolling out a change to ``workflows/`` or ``sla/``: a history that no
longer replays is a running ticket the new code would break (its workflow task would
fail on the next event). With no files, it reads the histories of the cluster's tickets
(``TEMPORAL_ADDRESS`` and the other ``TEMPORAL_*`` settings; by default the running
ones); with files, it replays those (``temporal workflow show --output json`` or the
Web UI's download). Encrypted payloads are read with the PAYLOAD_ENCRYPTION_KEYS (every
key that wrote one must be there); plain ones as they are. Exit status 0: every history
replays; 1: some do not (listed).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.worker import Replayer

from config import get_settings
from workflow_client import DATA_CONVERTER, connect, data_converter
from workflows.sandbox import WORKFLOW_RUNNER
from workflows.ticket import TicketWorkflow

DEFAULT_QUERY = 'WorkflowType = "TicketWorkflow" AND ExecutionStatus = "Running"'


async def histories_from_files(paths: Iterable[Path]) -> AsyncIterator[WorkflowHistory]:
    """Each file's history; its name (without .json) stands for the workflow id."""
    for path in paths:
        yield WorkflowHistory.from_json(path.stem, path.read_text())


def ticket_replayer(converter: DataConverter = DATA_CONVERTER) -> Replayer:
    """The ticket workflow in the worker's sandbox: what a worker replaying a ticket runs."""
    return Replayer(workflows=[TicketWorkflow], workflow_runner=WORKFLOW_RUNNER,
                    data_converter=converter)


async def replay(histories: AsyncIterator[WorkflowHistory],
                 converter: DataConverter = DATA_CONVERTER) -> tuple[int, list[tuple[str, str]]]:
    """Replays every history; returns how many, and (workflow id, error) of those that fail."""
    replayer = ticket_replayer(converter)
    failures: list[tuple[str, str]] = []
    count = 0
    async with replayer.workflow_replay_iterator(histories) as results:
        async for result in results:
            count += 1
            if result.replay_failure is not None:
                failures.append((result.history.workflow_id,
                                 f"{result.replay_failure.__class__.__name__}: "
                                 f"{result.replay_failure}"))
    return count, failures


def cluster_histories(client: Client, query: str, limit: int) -> AsyncIterator[WorkflowHistory]:
    return client.list_workflows(query, limit=limit).map_histories()


async def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    converter = data_converter(settings)
    if args.files:
        count, failures = await replay(histories_from_files(args.files), converter)
    else:
        client = await connect(settings)
        count, failures = await replay(cluster_histories(client, args.query, args.limit),
                                       converter)
    for workflow_id, error in failures:
        print(f"{workflow_id}: does not replay: {error}")
    print(f"{count - len(failures)} of {count} histories replay against this code",
          file=sys.stderr)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.replay", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("files", nargs="*", type=Path, help="history JSON files")
    parser.add_argument("--query", default=DEFAULT_QUERY,
                        help=f"visibility query for the cluster's tickets (default: {DEFAULT_QUERY})")
    parser.add_argument("--limit", type=int, default=1000,
                        help="replay at most this many tickets (default 1000)")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
