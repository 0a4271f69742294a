"""The Temporal client: one per process, built from settings.

``connect`` builds it (address, namespace, TLS or an API key); the search-attribute
checks make sure the cluster knows the ticket attributes before any workflow upserts
them, because upserting an unknown one makes workflow tasks retry forever. Launching
the embedded dev server is ``stack.temporal``'s business, not this module's.
"""

from __future__ import annotations

import dataclasses
import functools
import logging

from pydantic import TypeAdapter
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType
from temporalio.contrib.pydantic import PydanticJSONPlainPayloadConverter
from temporalio.converter import (
    CompositePayloadConverter,
    DataConverter,
    DefaultPayloadConverter,
    JSONPlainPayloadConverter,
)
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from codec import BadKeys, codec_for
from config import Settings
from workflows import search_attributes

logger = logging.getLogger(__name__)

#: How the ``temporal`` CLI names each search attribute type.
CLI_TYPE_NAMES = {
    SearchAttributeIndexedValueType.KEYWORD: "Keyword",
    SearchAttributeIndexedValueType.INT: "Int",
    SearchAttributeIndexedValueType.BOOL: "Bool",
    SearchAttributeIndexedValueType.TEXT: "Text",
    SearchAttributeIndexedValueType.DOUBLE: "Double",
    SearchAttributeIndexedValueType.DATETIME: "Datetime",
    SearchAttributeIndexedValueType.KEYWORD_LIST: "KeywordList",
}


def _tls(settings: Settings) -> TLSConfig | bool:
    if settings.temporal_tls_cert or settings.temporal_tls_key or settings.temporal_tls_ca:
        return TLSConfig(
            client_cert=settings.temporal_tls_cert.read_bytes() if settings.temporal_tls_cert else None,
            client_private_key=(
                settings.temporal_tls_key.read_bytes() if settings.temporal_tls_key else None
            ),
            server_root_ca_cert=(
                settings.temporal_tls_ca.read_bytes() if settings.temporal_tls_ca else None
            ),
        )
    # An API key (Temporal Cloud) always travels over TLS.
    return settings.temporal_tls or settings.temporal_api_key is not None


#: Type adapters by type, shared by every converter this process makes: the worker makes a
#: payload converter for each workflow it runs, and building a type's adapter costs
#: milliseconds, reading a payload with it microseconds.
_ADAPTERS = functools.lru_cache(maxsize=1024)(TypeAdapter)


class _SharedAdaptersJSON(PydanticJSONPlainPayloadConverter):
    def __init__(self) -> None:
        super().__init__()
        self._type_adapter = _ADAPTERS


class PayloadConverter(CompositePayloadConverter):
    """Temporal's default payload converters, with pydantic's JSON (``temporalio.contrib.
    pydantic``) in place of the standard library's: the same JSON, so histories written
    either way read either way, but read in compiled code with each type's schema built
    once. The default converter resolves every dataclass's annotations again for each
    payload: reading a ticket's input took it 3 ms, pydantic 0.1 ms (BENCHMARKS.md)."""

    def __init__(self) -> None:
        json_converter = _SharedAdaptersJSON()
        super().__init__(*(json_converter if isinstance(converter, JSONPlainPayloadConverter)
                           else converter
                           for converter in DefaultPayloadConverter.default_encoding_payload_converters))


#: How every payload (a ticket's input, state, view, messages) is turned into JSON; what
#: reaches Temporal is that JSON encrypted (:func:`data_converter`).
DATA_CONVERTER = DataConverter(payload_converter_class=PayloadConverter)


class MissingKeys(RuntimeError):
    """Encryption is on and no key is configured."""


def data_converter(settings: Settings) -> DataConverter:
    """DATA_CONVERTER with the settings' encryption codec (``codec.py``): the worker, the
    API, the CLI and the replay tool all read and write payloads through it."""
    if settings.payload_encryption == "off":
        return DATA_CONVERTER
    keys = settings.payload_keys_text()
    if keys is None:
        raise MissingKeys(
            "no payload encryption key: set PAYLOAD_ENCRYPTION_KEYS (id:base64key, newest "
            "first; `python -m codec k1` prints one) or PAYLOAD_ENCRYPTION_KEYS_FILE, or "
            "PAYLOAD_ENCRYPTION=off to send ticket data to Temporal in clear")
    try:
        codec = codec_for(keys)
    except BadKeys as bad:
        raise MissingKeys(f"payload encryption keys: {bad}") from None
    return dataclasses.replace(DATA_CONVERTER, payload_codec=codec)


async def connect(settings: Settings, runtime: Runtime | None = None) -> Client:
    """The client; a worker passes the runtime that serves its metrics."""
    api_key = settings.temporal_api_key.get_secret_value() if settings.temporal_api_key else None
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        tls=_tls(settings),
        api_key=api_key,
        runtime=runtime,
        data_converter=data_converter(settings),
    )


async def missing_search_attributes(client: Client, namespace: str) -> list[str]:
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    known = set(listed.custom_attributes) | set(listed.system_attributes)
    return [key.name for key in search_attributes.ALL if key.name not in known]


def create_commands(names: list[str], namespace: str) -> list[str]:
    """The CLI commands that register the named search attributes on a cluster."""
    types = {key.name: CLI_TYPE_NAMES[key.indexed_value_type] for key in search_attributes.ALL}
    return [f"temporal operator search-attribute create --namespace {namespace} "
            f"--name {name} --type {types[name]}" for name in names]


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Add the ticket search attributes the namespace lacks (for servers we start ourselves)."""
    missing = await missing_search_attributes(client, namespace)
    if missing:
        await client.operator_service.add_search_attributes(AddSearchAttributesRequest(
            namespace=namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
                for key in search_attributes.ALL if key.name in missing
            },
        ))
        logger.info("registered search attributes %s", ", ".join(sorted(missing)))


async def require_search_attributes(client: Client, namespace: str) -> None:
    """Refuse to run workflows that would upsert attributes the cluster does not know."""
    missing = await missing_search_attributes(client, namespace)
    if missing:
        raise RuntimeError(
            f"namespace {namespace!r} lacks the search attributes {', '.join(missing)}; "
            "ticket workflows would retry forever. Create them with:\n  "
            + "\n  ".join(create_commands(missing, namespace))
        )
