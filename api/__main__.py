"""``python -m api``: the API on its own, as deployed beside separate workers.

Listens on ``API_HOST``:``API_PORT`` and logs like the worker (``LOG_FORMAT``,
``LOG_LEVEL``), uvicorn's access lines included; ``--workers N`` runs N processes. Behind
the proxies named in ``FORWARDED_ALLOW_IPS`` the client is the one their X-Forwarded-For
names; no other peer is believed.
"""

from __future__ import annotations

import argparse
from typing import Any

import uvicorn

import logs
from config import Settings, settings_or_exit


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's proxy settings: X-Forwarded-For read only from the trusted proxies, and not
    at all by default (uvicorn would otherwise trust 127.0.0.1, and any local process with it)."""
    trusted = (settings.forwarded_allow_ips or "").strip()
    return {"proxy_headers": bool(trusted), "forwarded_allow_ips": trusted or None}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m api", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1, help="API processes (default 1)")
    args = parser.parse_args(argv)
    settings = settings_or_exit()
    uvicorn.run("api.main:app", host=settings.api_host, port=settings.api_port,
                workers=args.workers, **proxy_options(settings),
                log_config=logs.uvicorn_log_config(settings.log_level, settings.log_format))


if __name__ == "__main__":
    main()
