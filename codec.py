"""Ticket data encrypted before it reaches Temporal: AES-256-GCM, as in Temporal's
samples-python ``encryption`` sample.

Each encoded payload is the original payload, serialized and encrypted with a fresh
12-byte nonce (nonce + ciphertext), with metadata ``encoding: binary/encrypted`` and the
id of the key that encrypted it (``encryption-key-id``). Keys rotate: the newest key
encrypts, every configured key still decrypts what it wrote, so an old key stays in
``PAYLOAD_ENCRYPTION_KEYS`` until no open history holds a payload of it. Payloads that are
not encrypted (histories from before, recorded test histories) are read as they are.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
KEY_BYTES = 32
NONCE_BYTES = 12
#: AES-GCM's authentication tag, at the end of every ciphertext.
TAG_BYTES = 16
#: A key id travels in every payload's metadata: short, and plain enough for a log line.
_KEY_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
#: More keys than this is a rotation never finished, not a key set.
MAX_KEYS = 16


class BadKeys(ValueError):
    """The configured keys cannot be read (the message says which and why)."""


class UndecryptablePayload(ValueError):
    """A payload encrypted with a key this process lacks, or altered since."""


@dataclass(frozen=True)
class EncryptionKey:
    id: str
    key: bytes


def parse_keys(text: str) -> list[EncryptionKey]:
    """``id:base64key`` entries separated by commas, newest first (the one that encrypts).
    Each key is 32 random bytes (``python -m codec`` prints a new one)."""
    keys: list[EncryptionKey] = []
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if not entries:
        raise BadKeys("no key: give id:base64key entries separated by commas, newest first")
    if len(entries) > MAX_KEYS:
        raise BadKeys(f"{len(entries)} keys: at most {MAX_KEYS}; drop keys no history uses")
    for number, entry in enumerate(entries, start=1):
        key_id, colon, encoded = entry.partition(":")
        key_id = key_id.strip()
        if not colon or not _KEY_ID_PATTERN.match(key_id):
            raise BadKeys(f"key {number}: expected id:base64key with an id of letters, "
                            "digits, '.', '_' or '-' (at most 64)")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error:
            raise BadKeys(f"key {key_id!r}: not base64") from None
        if len(key) != KEY_BYTES:
            raise BadKeys(f"key {key_id!r}: {len(key)} bytes, AES-256 needs {KEY_BYTES}")
        if any(known.id == key_id for known in keys):
            raise BadKeys(f"key id {key_id!r} given twice")
        keys.append(EncryptionKey(key_id, key))
    return keys


def new_key_entry(key_id: str) -> str:
    """A fresh ``id:base64key`` entry."""
    return f"{key_id}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class EncryptionCodec(PayloadCodec):
    """Encrypts with the first key, decrypts with whichever key a payload names."""

    def __init__(self, keys: Sequence[EncryptionKey]) -> None:
        super().__init__()
        if not keys:
            raise BadKeys("an encryption codec needs at least one key")
        self.key_id = keys[0].id
        self._ciphers = {key.id: AESGCM(key.key) for key in keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(payload) for payload in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        nonce = os.urandom(NONCE_BYTES)
        data = nonce + self._ciphers[self.key_id].encrypt(nonce, payload.SerializeToString(),
                                                          None)
        return Payload(metadata={"encoding": ENCODING, KEY_ID: self.key_id.encode()}, data=data)

    def decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise UndecryptablePayload(
                f"payload encrypted with key {key_id!r}, which is not among the configured "
                f"keys ({', '.join(self._ciphers)}): add it to PAYLOAD_ENCRYPTION_KEYS")
        if len(payload.data) < NONCE_BYTES + TAG_BYTES:
            raise UndecryptablePayload(f"payload of key {key_id!r} is too short to be one "
                                       "this codec wrote")
        try:
            plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], None)
        except InvalidTag:
            raise UndecryptablePayload(
                f"payload of key {key_id!r} does not decrypt: altered, or another key "
                "under the same id") from None
        return Payload.FromString(plain)


@functools.lru_cache(maxsize=8)
def codec_for(keys_text: str) -> EncryptionCodec:
    """The codec of a key setting, built once per process."""
    return EncryptionCodec(parse_keys(keys_text))


if __name__ == "__main__":
    import sys

    print(new_key_entry(sys.argv[1] if len(sys.argv) > 1 else "k1"))
