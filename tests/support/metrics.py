"""Reading ``GET /metrics`` as Prometheus does: the text format parsed by prometheus-client's
own parser, into samples a test looks up by name and labels."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

TOKEN = "metrics-token-for-the-tests-0123456789"
BEARER = {"Authorization": f"Bearer {TOKEN}"}


@dataclass(frozen=True)
class Scrape:
    """One scrape's samples: ``(name, labels) -> value``."""

    samples: dict[tuple[str, frozenset[tuple[str, str]]], float]

    @classmethod
    def parse(cls, text: str) -> Scrape:
        samples = {
            (s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(text)
            for s in family.samples
        }
        return cls(samples)

    def value(self, name: str, **labels: str) -> float:
        """The sample's value; 0 for a labelled series not written yet (a counter not moved)."""
        return self.samples.get((name, frozenset(labels.items())), 0.0)

    def has(self, name: str, **labels: str) -> bool:
        return (name, frozenset(labels.items())) in self.samples

    def moved(self, since: Scrape, name: str, **labels: str) -> float:
        """How much a counter moved between ``since`` and this scrape."""
        return self.value(name, **labels) - since.value(name, **labels)
