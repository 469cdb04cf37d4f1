"""Operators' metrics in Prometheus' text format (prometheus_client), one registry per bot
process: updates handled and how long their handlers took, what sending did (sent, 429s,
unreachable chats, refusals, network errors), webhook requests, and the queues' backlog."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from bot.delivery.store import Health


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.updates = Counter(
            "pufa_updates_handled",
            "Updates and timer events handled, by event kind",
            ["kind"],
            registry=self.registry,
        )
        self.handler_seconds = Histogram(
            "pufa_handler_seconds",
            "Time to handle one update: the conversation layer and its transaction",
            buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.sends = Counter(
            "pufa_sends",
            "Bot API calls made from the outbox, by outcome",
            ["outcome"],  # sent, retry_after (429), unreachable, rejected, failed
            registry=self.registry,
        )
        self.webhook_requests = Counter(
            "pufa_webhook_requests",
            "Webhook requests, by result",
            ["result"],  # stored, unauthorized, malformed, error
            registry=self.registry,
        )
        self.inbox_backlog = Gauge(
            "pufa_inbox_backlog", "Stored updates not handled yet", registry=self.registry
        )
        self.outbox_backlog = Gauge(
            "pufa_outbox_backlog", "Actions waiting to be sent", registry=self.registry
        )
        self.scheduler_lag = Gauge(
            "pufa_scheduler_lag_seconds",
            "How long the oldest due job has been waiting",
            registry=self.registry,
        )

    def render(self, health: Health) -> bytes:
        """The text exposition, with the queue gauges read just now."""
        self.inbox_backlog.set(health.inbox_backlog)
        self.outbox_backlog.set(health.outbox_backlog)
        self.scheduler_lag.set(health.scheduler_lag)
        return generate_latest(self.registry)
