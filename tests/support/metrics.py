"""Reading a Prometheus endpoint the way Prometheus does: over HTTP, in its text format."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio.runtime import Runtime

from activities.metrics import SlaMetrics, metrics_runtime
from stack.temporal import free_port


@dataclass(frozen=True)
class Scrape:
    """Samples by name; ``value`` sums those whose labels include the ones given."""

    samples: list[tuple[str, dict[str, str], float]]

    def value(self, name: str, **labels: str) -> float:
        return sum(value for sample, sample_labels, value in self.samples
                   if sample == name and labels.items() <= sample_labels.items())

    def names(self) -> set[str]:
        return {name for name, _labels, _value in self.samples}


async def scrape(url: str) -> Scrape:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.get(url)
    response.raise_for_status()
    assert response.headers["content-type"].startswith("text/plain")
    return Scrape([(sample.name, _normal(sample.labels), sample.value)
                   for family in text_string_to_metric_families(response.text)
                   for sample in family.samples])


def _normal(labels: dict[str, str]) -> dict[str, str]:
    """Bucket bounds as Python writes floats: exporters write "300", "300.0" or "3e2"."""
    if "le" in labels:
        return {**labels, "le": str(float(labels["le"]))}
    return dict(labels)


async def scrape_until(url: str, ready: Callable[[Scrape], bool], timeout: float = 15) -> Scrape:
    """Scrape until ``ready`` holds (a message may still be on its way)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        scraped = await scrape(url)
        if ready(scraped):
            return scraped
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"metrics not as expected within {timeout}s: {scraped.samples}")
        await asyncio.sleep(0.1)


@dataclass(frozen=True)
class WorkerEndpoint:
    metrics: SlaMetrics
    url: str
    #: Held: the endpoint lives as long as its runtime.
    runtime: Runtime


def worker_metrics() -> WorkerEndpoint:
    """SLA metrics on a Temporal runtime serving Prometheus on a free port, as a worker has."""
    port = free_port()
    runtime = metrics_runtime("127.0.0.1", port)
    return WorkerEndpoint(SlaMetrics(runtime.metric_meter), f"http://127.0.0.1:{port}/metrics",
                          runtime)
