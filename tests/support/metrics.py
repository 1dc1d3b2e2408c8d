"""Reading /metrics as Prometheus does: over HTTP, parsed by prometheus_client's parser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, frozenset[tuple[str, str]]]


@dataclass(frozen=True)
class Scrape:
    """One scrape: every sample by name and labels, and the text as served."""

    text: str
    samples: dict[Key, float]

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 for a series not (yet) exposed, as a counter starts."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return (name, frozenset(labels.items())) in self.samples

    def labels(self) -> Iterator[tuple[str, str, str]]:
        """(sample name, label name, label value) of every labelled sample."""
        for name, labels in self.samples:
            for label, value in labels:
                yield name, label, value


def parse(text: str) -> Scrape:
    samples: dict[Key, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return Scrape(text, samples)


async def scrape(
    session: aiohttp.ClientSession, base_url: str, *, token: str | None = None
) -> Scrape:
    """GET `base_url`/metrics; fails the test unless it answers 200 in the text format."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.get(f"{base_url}/metrics", headers=headers) as response:
        text = await response.text()
        assert response.status == 200, (response.status, text)
        assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(text)
