"""A workflow history as text to search: every string of its JSON, with payload data
decrypted (tests/support/plain_history.py) and decoded from base64 as well."""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
from typing import Any

from temporalio.client import WorkflowHistory

from tests.support.plain_history import plain


def decoded_strings(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        for value in node.values():
            found += decoded_strings(value)
    elif isinstance(node, list):
        for value in node:
            found += decoded_strings(value)
    elif isinstance(node, str):
        found.append(node)
        with contextlib.suppress(binascii.Error, ValueError):
            found.append(base64.b64decode(node, validate=True).decode("utf-8", "replace"))
    return found


def history_text(history: WorkflowHistory) -> str:
    return "\n".join(decoded_strings(json.loads(plain(history).to_json())))
