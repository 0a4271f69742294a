"""Masking secrets in what clients send, before it reaches the workflow or the database."""

from __future__ import annotations

from pydantic import BaseModel

from intake.secrets import mask_secrets


class MaskedSecretPublic(BaseModel):
    """A secret found in a field and masked: only its masked form is kept anywhere."""

    field: str
    kind: str
    masked: str


class Scrubber:
    def __init__(self) -> None:
        self.masked: list[MaskedSecretPublic] = []

    def __call__(self, field: str, value: str) -> str:
        clean, found = mask_secrets(value)
        self.masked += [MaskedSecretPublic(field=field, kind=item.kind, masked=item.masked)
                        for item in found]
        return clean
