"""The repository's directories and the policy files the tests run under."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
POLICIES = ROOT / "policies"
TEMPLATES = ROOT / "templates"
#: Recorded ticket histories the current code must replay (``make record-histories``).
HISTORIES = ROOT / "tests" / "histories"
#: Minutes-long targets, so the real stack breaches within a test.
FAST_POLICY = ROOT / "tests" / "e2e" / "fast-policy.toml"
#: The tests' everyday policy: the commitments of an example contract written for them
#: (``policies/default.toml`` ships as an example of assumptions only).
EXAMPLE_POLICY = ROOT / "tests" / "support" / "policies" / "example.toml"
