"""The production guide and the alert rules name only metrics the product serves, and the
guide's table names every one of them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from temporalio.common import MetricMeter

from activities.metrics import SlaMetrics
from api.metrics import ApiMetrics
from store.db import make_engine
from store.migrations import upgrade

pytestmark = pytest.mark.pure

DOCS = Path(__file__).resolve().parents[1] / "docs"
HISTOGRAM_SERIES = re.compile(r"_(bucket|count|sum)$")
#: A metric name, not a label value inside a matcher ("sla_breach" in kind=~"sla_breach|...").
METRIC_NAME = re.compile(r'(?<!["|])\bsla_[a-z_]+')


def served(tmp_path: Path) -> set[str]:
    worker = {metric.name for metric in vars(SlaMetrics(MetricMeter.noop)).values()}
    engine = make_engine(f"sqlite:///{tmp_path / 'app.db'}")
    upgrade(engine)
    api = {family.name + ("_total" if family.type == "counter" else "")
           for family in ApiMetrics(engine).registry.collect()}
    return {name for name in worker | api if name.startswith("sla_")}


def named_in(text: str) -> set[str]:
    return {HISTOGRAM_SERIES.sub("", name) for name in METRIC_NAME.findall(text)}


def test_the_docs_and_the_alerts_name_only_served_metrics_and_all_of_them(
    tmp_path: Path,
) -> None:
    metrics = served(tmp_path)
    assert {"sla_open_tickets", "sla_api_requests_total", "sla_clocks_breached_total"} <= metrics
    guide_text = (DOCS / "operations.md").read_text()
    metrics_section = guide_text[guide_text.index("## 6. Metrics"):guide_text.index("## 7.")]
    guide = named_in(metrics_section)
    alerts = named_in((DOCS / "sla-alerts.yml").read_text())
    assert alerts <= metrics, alerts - metrics
    assert guide == metrics, (guide - metrics, metrics - guide)
