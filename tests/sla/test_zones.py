"""Deadlines do not depend on the host's time zone files: only the pinned tzdata is read."""

from __future__ import annotations

import importlib.metadata
import importlib.resources
import subprocess
import sys
import zoneinfo
from pathlib import Path

import sla  # noqa: F401  (importing the package is what pins the zone data)

ROOT = Path(__file__).resolve().parents[2]


def test_zone_data_comes_from_the_pinned_tzdata_package_only() -> None:
    assert zoneinfo.TZPATH == ()
    locked = {line.split("==")[0].lower(): line.split("==")[1]
              for line in (ROOT / "requirements.lock").read_text().splitlines()
              if "==" in line and not line.startswith("#")}
    assert importlib.metadata.version("tzdata") == locked["tzdata"]


def test_a_host_zone_file_that_says_otherwise_is_not_read(tmp_path: Path) -> None:
    """A host whose Europe/Rome were UTC (stale or tampered data) changes no deadline."""
    fake = tmp_path / "zoneinfo" / "Europe"
    fake.mkdir(parents=True)
    utc = importlib.resources.files("tzdata.zoneinfo").joinpath("UTC").read_bytes()
    (fake / "Rome").write_bytes(utc)
    summer = ("from datetime import datetime; from zoneinfo import ZoneInfo; "
              "print(datetime(2026, 7, 1, 12, tzinfo=ZoneInfo('Europe/Rome')).utcoffset())")
    environment = {"PYTHONTZPATH": str(tmp_path / "zoneinfo"), "PATH": "/usr/bin:/bin"}
    bare = subprocess.run([sys.executable, "-c", summer], capture_output=True, text=True,
                          env=environment, check=True, cwd=ROOT)
    assert bare.stdout.strip() == "0:00:00"  # the fake is what Python reads by default
    pinned = subprocess.run([sys.executable, "-c", "import sla; " + summer],
                            capture_output=True, text=True, env=environment, check=True,
                            cwd=ROOT)
    assert pinned.stdout.strip() == "2:00:00"


def test_every_installed_package_is_the_locked_version() -> None:
    """make run, make test and .ci/run install through requirements.lock: the environment
    the tests run in is the locked one, and the lock names everything installed."""
    locked = {line.split("==")[0].lower().replace("_", "-"): line.split("==")[1]
              for line in (ROOT / "requirements.lock").read_text().splitlines()
              if "==" in line and not line.startswith("#")}
    installed = {dist.metadata["Name"].lower().replace("_", "-"): dist.version
                 for dist in importlib.metadata.distributions()}
    installed = {name: version for name, version in installed.items()
                 if name not in ("pip", "setuptools", "wheel", "sla-escalation")}
    assert installed == locked
