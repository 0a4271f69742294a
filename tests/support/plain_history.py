"""The suite's histories in clear.

The suite runs with payload encryption on (tests/conftest.py gives it a key), as the product
does, so a history fetched from Temporal holds ciphertext. A test that reads what a
workflow carried, or records a history for tests/histories, decrypts it first; a test that
looks for a secret in a history must search the plain text too, or it could not fail.
"""

from __future__ import annotations

from google.protobuf.message import Message
from temporalio.api.common.v1 import Payload
from temporalio.client import WorkflowHistory
from temporalio.converter import DataConverter

from codec import EncryptionCodec
from config import get_settings
from workflow_client import data_converter

PAYLOAD = Payload.DESCRIPTOR.full_name


def suite_converter() -> DataConverter:
    """What the suite's clients, workers and replayers read and write payloads with."""
    return data_converter(get_settings())


def _codec() -> EncryptionCodec | None:
    codec = suite_converter().payload_codec
    return codec if isinstance(codec, EncryptionCodec) else None


def _decrypt(message: Message, codec: EncryptionCodec) -> None:
    """Every Payload under ``message``, decrypted in place (repeated and map fields too)."""
    for field, value in message.ListFields():
        kind = field.message_type
        if kind is None:
            continue
        if kind.GetOptions().map_entry:
            value_field = kind.fields_by_name["value"]
            if value_field.message_type is None:
                continue
            for key in list(value):
                entry = value[key]
                if value_field.message_type.full_name == PAYLOAD:
                    entry.CopyFrom(codec.decrypt(entry))
                else:
                    _decrypt(entry, codec)
            continue
        items = list(value) if field.is_repeated else [value]
        for item in items:
            if kind.full_name == PAYLOAD:
                item.CopyFrom(codec.decrypt(item))
            else:
                _decrypt(item, codec)


def plain(history: WorkflowHistory) -> WorkflowHistory:
    """``history`` with every payload decrypted with the suite's keys."""
    codec = _codec()
    if codec is None:
        return history
    events = []
    for event in history.events:
        copy = type(event)()
        copy.CopyFrom(event)
        _decrypt(copy, codec)
        events.append(copy)
    return WorkflowHistory(history.workflow_id, events)
