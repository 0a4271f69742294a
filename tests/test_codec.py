"""The payload codec: what reaches Temporal is encrypted with the newest key, names that
key, and reads back with any configured key; plain payloads read as they are; bad keys and
unknown key ids are refused with the reason."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload

from codec import ENCODING, KEY_ID, BadKeys, EncryptionCodec, UndecryptablePayload, parse_keys
from config import Settings
from stack.temporal import dev_server_command, embedded_key_file
from workflow_client import DATA_CONVERTER, MissingKeys, data_converter

pytestmark = pytest.mark.pure

ROOT = Path(__file__).resolve().parents[1]
OLD = "2026-11:" + base64.b64encode(b"o" * 32).decode()
NEW = "2026-12:" + base64.b64encode(b"n" * 32).decode()
SECRET = "Ada Lovelace <ada@example.com> +390200000777: the invoice export is down"


def keyed(keys: str) -> Settings:
    """Settings with these keys (the suite runs with encryption off: tests/conftest.py)."""
    return Settings(payload_encryption="on", payload_encryption_keys=keys)


async def written(keys: str, text: str = SECRET) -> Payload:
    [payload] = await data_converter(keyed(keys)).encode([text])
    return payload


async def test_a_payload_is_encrypted_and_names_its_key() -> None:
    payload = await written(OLD)
    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata[KEY_ID] == b"2026-11"
    assert b"Ada" not in payload.SerializeToString()
    assert b"invoice" not in payload.SerializeToString()
    converter = data_converter(keyed(OLD))
    assert await converter.decode([payload], [str]) == [SECRET]


async def test_a_rotated_key_set_encrypts_with_the_new_key_and_reads_the_old() -> None:
    old_payload = await written(OLD)
    rotated = data_converter(keyed(f"{NEW},{OLD}"))
    assert await rotated.decode([old_payload], [str]) == [SECRET]
    [new_payload] = await rotated.encode([SECRET])
    assert new_payload.metadata[KEY_ID] == b"2026-12"
    # The old key alone cannot read what the new one wrote: the id says which is missing.
    with pytest.raises(UndecryptablePayload, match=r"key '2026-12'.*PAYLOAD_ENCRYPTION_KEYS"):
        await data_converter(keyed(OLD)).decode([new_payload], [str])


async def test_plain_payloads_from_before_read_as_they_are() -> None:
    plain = await DATA_CONVERTER.encode([SECRET])
    assert plain[0].metadata["encoding"] == b"json/plain"
    converter = data_converter(keyed(NEW))
    assert await converter.decode(plain, [str]) == [SECRET]


async def test_an_altered_payload_is_refused() -> None:
    payload = await written(NEW)
    payload.data = payload.data[:-1] + bytes([payload.data[-1] ^ 1])
    with pytest.raises(UndecryptablePayload, match="does not decrypt"):
        await EncryptionCodec(parse_keys(NEW)).decode([payload])
    payload.data = payload.data[:20]
    with pytest.raises(UndecryptablePayload, match="too short"):
        await EncryptionCodec(parse_keys(NEW)).decode([payload])


@pytest.mark.parametrize(("keys", "reason"), [
    ("", "no key"),
    ("k1" + base64.b64encode(b"x" * 32).decode(), "expected id:base64key"),
    ("k 1:" + base64.b64encode(b"x" * 32).decode(), "expected id:base64key"),
    ("k1:not base64!", "'k1': not base64"),
    ("k1:" + base64.b64encode(b"x" * 16).decode(), "'k1': 16 bytes, AES-256 needs 32"),
    (f"{NEW},{NEW}", "'2026-12' given twice"),
])
def test_bad_keys_are_refused_with_the_reason(keys: str, reason: str) -> None:
    with pytest.raises(BadKeys, match=reason):
        parse_keys(keys)


def test_settings_with_bad_keys_do_not_load() -> None:
    with pytest.raises(ValidationError, match="PAYLOAD_ENCRYPTION_KEYS: key 'k1': 3 bytes"):
        keyed("k1:" + base64.b64encode(b"abc").decode())


def test_no_client_without_a_key_unless_encryption_is_off(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAYLOAD_ENCRYPTION_KEYS", raising=False)  # the suite's own key
    with pytest.raises(MissingKeys, match=r"PAYLOAD_ENCRYPTION_KEYS.*PAYLOAD_ENCRYPTION=off"):
        data_converter(Settings(payload_encryption="on"))
    assert data_converter(Settings(payload_encryption="off")) is DATA_CONVERTER
    keys = tmp_path / "keys"
    keys.write_text(f"{NEW}\n{OLD}\n")
    from_file = data_converter(Settings(payload_encryption="on", payload_encryption_keys_file=keys))
    assert isinstance(from_file.payload_codec, EncryptionCodec)
    assert from_file.payload_codec.key_id == "2026-12"


def test_python_m_codec_prints_a_new_key_entry() -> None:
    printed = subprocess.run([sys.executable, "-m", "codec", "2027-01"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout.strip()
    [key] = parse_keys(printed)
    assert key.id == "2027-01" and len(key.key) == 32


def test_the_embedded_stack_makes_its_key_once_readable_by_its_owner(tmp_path: Path) -> None:
    path = embedded_key_file(tmp_path / "data")
    first = path.read_text()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert embedded_key_file(tmp_path / "data").read_text() == first
    [key] = parse_keys(first)
    assert len(key.key) == 32


def test_the_embedded_ui_decodes_through_the_api(tmp_path: Path) -> None:
    command = dev_server_command(tmp_path / "t.db", 7233, 8233,
                                 codec_endpoint="http://localhost:8000/codec")
    assert command[command.index("--ui-codec-endpoint") + 1] == "http://localhost:8000/codec"
    headless = dev_server_command(tmp_path / "t.db", 7233, None,
                                  codec_endpoint="http://localhost:8000/codec")
    assert "--ui-codec-endpoint" not in headless
