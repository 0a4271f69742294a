"""``python -m api``: the API on its own, as deployed beside separate workers.

Listens on ``API_HOST``:``API_PORT`` and logs like the worker (``LOG_FORMAT``,
``LOG_LEVEL``), uvicorn's access lines included; ``--workers N`` runs N processes.
"""

from __future__ import annotations

import argparse

import uvicorn

import logs
from config import settings_or_exit


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1, help="API processes (default 1)")
    args = parser.parse_args(argv)
    settings = settings_or_exit()
    uvicorn.run("api.main:app", host=settings.api_host, port=settings.api_port,
                workers=args.workers,
                log_config=logs.uvicorn_log_config(settings.log_level, settings.log_format))


if __name__ == "__main__":
    main()
