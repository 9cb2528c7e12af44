"""The push loop: send the oldest pending batch, act on the answer, repeat until the outbox is
empty, a stop is requested, or the run's retry budget is spent.

- accepted (2xx): the batch is marked acknowledged and the position persisted;
- transient (network, 408/409/429/5xx): the same batch, with the same idempotency key, is sent
  again after a backoff (Retry-After honoured); batches stay in order;
- fatal (other 4xx): the batch is dead-lettered with the server's error JSON and the loop goes
  on with the next one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Protocol

from edge_sync_client.backoff import Backoff
from edge_sync_client.ingest_client import IngestClient
from edge_sync_client.outbox import Outbox
from edge_sync_client.outcomes import Outcome, describe

log = logging.getLogger("edge_sync_client")


class Waiter(Protocol):
    def wait(self, timeout: float) -> bool:
        """Pause up to ``timeout`` seconds; True when a stop was requested (``threading.Event``)."""


@dataclass
class PushReport:
    acked_batches: int = 0
    acked_lines: int = 0
    dead_batches: int = 0
    transient_failures: int = 0
    gave_up: bool = False  # the retry budget ran out with batches still pending
    stopped: bool = False  # a stop was requested

    @property
    def drained(self) -> bool:
        return not (self.gave_up or self.stopped)


class Pusher:
    def __init__(
        self,
        outbox: Outbox,
        client: IngestClient,
        backoff: Backoff,
        waiter: Waiter,
        batch_size: int = 500,
        max_attempts_per_run: int = 8,
    ) -> None:
        self.outbox = outbox
        self.client = client
        self.backoff = backoff
        self.waiter = waiter
        self.batch_size = batch_size
        self.max_attempts_per_run = max_attempts_per_run

    def run(self) -> PushReport:
        report = PushReport()
        failures = 0  # consecutive transient failures in this run
        self.backoff.reset()
        while True:
            if self.waiter.wait(0):
                report.stopped = True
                return report
            batch = self.outbox.next_pending()
            if batch is None and self.outbox.seal(self.batch_size):
                batch = self.outbox.next_pending()
            if batch is None:
                return report
            result = self.client.send(batch.idempotency_key, self.outbox.body(batch))
            if result.outcome is Outcome.ACCEPTED:
                server_id = result.body.get("batch_id") if isinstance(result.body, dict) else None
                self.outbox.ack(batch, server_id)
                report.acked_batches += 1
                report.acked_lines += batch.line_count
                failures = 0
                self.backoff.reset()
                log.info(
                    "batch %s accepted as %s (%d lines)", batch.idempotency_key, server_id, batch.line_count
                )
            elif result.outcome is Outcome.FATAL:
                self.outbox.dead_letter(batch, result.status, describe(result))
                report.dead_batches += 1
                log.error("batch %s refused with %s: dead-lettered", batch.idempotency_key, result.status)
            else:
                self.outbox.record_attempt(batch, describe(result))
                report.transient_failures += 1
                failures += 1
                if failures >= self.max_attempts_per_run:
                    report.gave_up = True
                    log.warning("giving up this run after %d transient failures", failures)
                    return report
                delay = self.backoff.next_delay(result.retry_after)
                log.warning(
                    "batch %s: transient failure (%s), retrying in %.1fs",
                    batch.idempotency_key,
                    result.status or "network",
                    delay,
                )
                if self.waiter.wait(delay):
                    report.stopped = True
                    return report
