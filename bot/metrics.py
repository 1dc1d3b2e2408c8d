"""Every Prometheus metric the bot exposes, in one place, with the labels each may take.

The metric objects live here, at module level, and are registered in no registry of
their own: instrumented code (the Bland client, the Slack clients, the watcher, the
outbox, the Bolt middleware) records with one line and needs no metrics object passed
through its constructor. Each `Bot` builds its own `Exposition`, which registers these
objects beside collectors tied to that bot's store. So several bots in one process
(the tests) never collide in a registry, and what they count is the process's total,
which is what one Prometheus target is: tests read the change across what they did.

Labels are bounded: an endpoint is a route template (`GET /v1/batches/{id}`), a Slack
method its Web API name, a command or action one of ours or `other`. Never a batch id,
a channel, a user or anything a request could choose.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from bot.storage.base import StoreGauges


OTHER = "other"
# Seconds; a Bland call is tens of milliseconds to tens of seconds.
REQUEST_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# Completion seen -> alert posted: about a second when all is well, minutes when not.
LATENCY_BUCKETS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
# Slack wants an ack within 3 s; a reply may take as long as Bland does.
LISTENER_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0, 30.0)

# -- Bland -----------------------------------------------------------------------------

BLAND_REQUESTS = Counter(
    "bland_requests",
    "HTTP requests to Bland (each attempt, retries included), by route and outcome.",
    ["endpoint", "outcome"],
    registry=None,
)
BLAND_SECONDS = Histogram(
    "bland_request_seconds",
    "Time for one HTTP request to Bland, until its body was read.",
    ["endpoint"],
    buckets=REQUEST_BUCKETS,
    registry=None,
)
# Routes the client calls; any other path is counted as "other", never as itself.
BLAND_ROUTES = frozenset(
    {
        "/v1/batches",
        "/v1/batches/{id}",
        "/v1/batches/{id}/stop",
        "/v1/calls",
        "/v1/calls/{id}",
        "/v2/batches/list",
        "/v2/batches/{id}",
        "/v2/batches/{id}/logs",
        "/v2/batches/{id}/stop",
    }
)
_ID_AFTER = frozenset({"batches", "calls"})
# Path words that stand where an id would: `/v2/batches/list` lists, it names no batch.
_LITERALS = frozenset({"list"})

# -- The watcher and the outbox ----------------------------------------------------------

WATCHER_POLLS = Counter(
    "watcher_polls",
    "Polls of watched batches, by outcome: running, finished (completion queued), "
    "already_recorded (another process recorded it), failed, or gone (Bland no longer "
    "knows the batch; its watches ended).",
    ["outcome"],
    registry=None,
)
WATCHER_TAKEOVERS = Counter(
    "watcher_takeovers",
    "Polls, scans and alerts this process took over from another whose claim had lapsed "
    "(it died, or hung past its lease).",
    registry=None,
)
ALERTS_QUEUED = Counter(
    "alerts_queued",
    "Alerts and final progress edits this process put in the outbox, by kind.",
    ["kind"],
    registry=None,
)
ALERTS_SENT = Counter(
    "alerts_sent",
    "Outbox entries Slack accepted (or that were found already posted), by kind.",
    ["kind"],
    registry=None,
)
ALERT_LATENCY = Histogram(
    "alert_latency_seconds",
    "From the completion (or warning) being recorded to its alert being posted.",
    buckets=LATENCY_BUCKETS,
    registry=None,
)

# -- Bland's status webhook ---------------------------------------------------------------

# What became of one POST to /bland/status: `accepted` (it recorded a watched batch's
# completion), `ignored` (signed and well formed, nothing to record: a phase before the
# end, a batch nobody watches, a completion already recorded, or no room to queue it),
# `unauthorized` (no or a wrong signature), `too_large` (over 64 KB), `bad_request`
# (not JSON, or no v2 batch id).
WEBHOOK_OUTCOMES = ("accepted", "ignored", "unauthorized", "too_large", "bad_request")
STATUS_WEBHOOKS = Counter(
    "bland_status_webhooks",
    "POSTs from Bland's status webhook, by outcome: accepted (recorded a completion), "
    "ignored, unauthorized, too_large, bad_request.",
    ["outcome"],
    registry=None,
)

# -- Slack -------------------------------------------------------------------------------

SLACK_CALLS = Counter(
    "slack_api_calls",
    "Slack Web API requests (each attempt, retries included), by method and outcome: "
    "ok, error (Slack said ok=false), rate_limited (429), server_error, timeout, connection.",
    ["method", "outcome"],
    registry=None,
)
SLACK_COMMANDS = Counter(
    "slack_commands", "Slash commands received, by command.", ["command"], registry=None
)
SLACK_ACTIONS = Counter(
    "slack_actions", "Button and menu clicks received, by action id.", ["action"], registry=None
)
LISTENER_SECONDS = Histogram(
    "listener_seconds",
    "Slack request handling: phase=ack until Slack was answered, phase=reply until the "
    "listener finished (its reply sent).",
    ["phase"],
    buckets=LISTENER_BUCKETS,
    registry=None,
)
_SLACK_METHOD = re.compile(r"[a-z]+(\.[a-zA-Z]+){1,3}")

PROCESS_METRICS: tuple[Collector, ...] = (
    BLAND_REQUESTS,
    BLAND_SECONDS,
    WATCHER_POLLS,
    WATCHER_TAKEOVERS,
    ALERTS_QUEUED,
    ALERTS_SENT,
    ALERT_LATENCY,
    STATUS_WEBHOOKS,
    SLACK_CALLS,
    SLACK_COMMANDS,
    SLACK_ACTIONS,
    LISTENER_SECONDS,
)


def bland_endpoint(method: str, path: str) -> str:
    """`GET /v1/batches/AbC-gen-batch` -> `GET /v1/batches/{id}`: the id is never a label."""
    parts = path.split("?", 1)[0].rstrip("/").split("/")
    for index in range(1, len(parts)):
        if parts[index - 1] in _ID_AFTER and parts[index] not in _LITERALS:
            parts[index] = "{id}"
    route = "/".join(parts)
    return f"{method} {route if route in BLAND_ROUTES else OTHER}"


def bland_request_done(method: str, path: str, outcome: str, started: float) -> None:
    """Count one Bland request that began at `started` (`time.perf_counter()`)."""
    counter, seconds = _bland_series(bland_endpoint(method, path), outcome)
    counter.inc()
    seconds.observe(time.perf_counter() - started)


@functools.cache
def _bland_series(endpoint: str, outcome: str) -> tuple[Counter, Histogram]:
    # The labelled children, looked up once: `.labels()` takes a lock and builds a key,
    # which was half the cost of counting a watcher poll. Both labels are bounded.
    return BLAND_REQUESTS.labels(endpoint, outcome), BLAND_SECONDS.labels(endpoint)


def slack_method(url: str, base_url: str) -> str:
    """The Web API method of a request URL (`chat.postMessage`), or `other`: an upload
    URL carries a token-like path and must never become a label."""
    if not url.startswith(base_url):
        return OTHER
    method = url[len(base_url) :]
    return method if _SLACK_METHOD.fullmatch(method) else OTHER


def count_queued(kinds: Iterable[str]) -> None:
    """Count outbox entries this process queued (after their transaction committed)."""
    for kind in kinds:
        ALERTS_QUEUED.labels(str(kind)).inc()


def alert_sent(kind: str, queued_at: float | None, posted_at: float | None = None) -> None:
    """Count an outbox entry Slack accepted and, for a post (`queued_at` given: a final
    progress edit is not an alert), its latency from being queued to `posted_at`
    (epoch seconds; now by default)."""
    ALERTS_SENT.labels(str(kind)).inc()
    if queued_at is not None:
        posted = time.time() if posted_at is None else posted_at
        ALERT_LATENCY.observe(max(0.0, posted - queued_at))


def count_webhook(outcome: str) -> None:
    """Count one status webhook POST by what became of it (one of WEBHOOK_OUTCOMES)."""
    STATUS_WEBHOOKS.labels(outcome if outcome in WEBHOOK_OUTCOMES else OTHER).inc()


def count_takeovers(count: int) -> None:
    """Hook for the store's claims: work taken from a process whose heartbeat stopped."""
    if count > 0:
        WATCHER_TAKEOVERS.inc(count)


# -- Gauges read from the database -------------------------------------------------------


STORE_GAUGES = {
    "outbox_pending": "Alerts and final edits waiting in the outbox (all processes).",
    "outbox_oldest_pending_seconds": "Age of the oldest entry waiting in the outbox.",
    "watched_batches": "Batches being polled for at least one active watch.",
    "watched_campaigns": "Campaigns with at least one active watch.",
}


class StoreGaugeCollector(Collector):
    """Yields the latest `StoreGauges`, set just before each scrape (collect() is
    synchronous, the store is not). Nothing when the database could not be read:
    a missing series is honest, a stale one is not."""

    def __init__(self) -> None:
        self.latest: StoreGauges | None = None

    def describe(self) -> Iterator[GaugeMetricFamily]:
        for name, text in STORE_GAUGES.items():
            yield GaugeMetricFamily(name, text)

    def collect(self) -> Iterator[GaugeMetricFamily]:
        latest = self.latest
        if latest is None:
            return
        for name, text in STORE_GAUGES.items():
            yield GaugeMetricFamily(name, text, value=float(getattr(latest, name)))


class Exposition:
    """One bot's `/metrics`: the process-wide metrics, the standard process and Python
    collectors, and the store's gauges."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        for metric in (*PROCESS_METRICS, PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(metric)
        self.store_gauges = StoreGaugeCollector()
        self.registry.register(self.store_gauges)
        self.scrape_errors = Gauge(
            "metrics_store_read_failed",
            "1 when the last scrape could not read the store's gauges.",
            registry=self.registry,
        )

    def render(self, gauges: StoreGauges | None, accept: str = "") -> tuple[bytes, str]:
        """The exposition and its content type, in the format the scraper's `Accept`
        asks for (Prometheus text 0.0.4 by default, OpenMetrics when asked), with
        `gauges` (None: the store could not be read)."""
        self.store_gauges.latest = gauges
        self.scrape_errors.set(0 if gauges is not None else 1)
        encoder, content_type = choose_encoder(accept)
        return encoder(self.registry), content_type
