"""``make run`` signs feedback links with a secret made once in its data directory."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

import config
from config import Settings
from stack.__main__ import with_feedback_link_secret


@pytest.fixture
def clean_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Settings]:
    monkeypatch.delenv("FEEDBACK_LINK_SECRET", raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "data"))
    config.get_settings.cache_clear()
    yield Settings()
    config.get_settings.cache_clear()


def test_the_stack_makes_a_secret_once_and_keeps_it(clean_settings: Settings,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    first = with_feedback_link_secret(clean_settings)
    path = clean_settings.data_dir / "feedback-link-secret"
    assert first.feedback_link_secret is not None
    assert first.feedback_link_secret.get_secret_value() == path.read_text()
    assert len(path.read_text()) == 64 and stat.S_IMODE(path.stat().st_mode) == 0o600
    # A restart reads the same one: links sent before it still open.
    monkeypatch.delenv("FEEDBACK_LINK_SECRET")
    again = with_feedback_link_secret(Settings())
    assert again.feedback_link_secrets == first.feedback_link_secrets
    # The API reads its settings from the environment: it gets the same secret.
    assert config.get_settings().feedback_link_secrets == first.feedback_link_secrets


def test_a_configured_secret_is_used_as_it_is(clean_settings: Settings) -> None:
    configured = clean_settings.model_copy(
        update={"feedback_link_secret": SecretStr("from the operator")})
    assert with_feedback_link_secret(configured) is configured
    assert not (clean_settings.data_dir / "feedback-link-secret").exists()
