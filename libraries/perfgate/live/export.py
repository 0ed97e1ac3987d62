"""Live metrics outside a load run: a memory monitor's samples, a baseline comparison.

An `Export` labels its series with the settings' labels (run, suite, test,
pabot, gateway, machine) and its own, queues each batch for the
`RemoteWriter` thread (so the caller never waits on Prometheus), and at its
`close` gives one warning when Prometheus did not take them and one line with
the counts. Both are given from the thread that closes it: Robot logs
nothing from other threads, and a monitor's samples are queued from its
sampler thread.
"""

from __future__ import annotations

from collections.abc import Mapping

from perfgate.live.sender import RemoteWriter, SendTotals
from perfgate.live.series import SeriesBook
from perfgate.live.settings import LiveSettings


class Export:
    """One writer's samples, described as `what` ("memory monitor 'memory1'") in its log
    lines; `went_on` says what the failure did not stop ("The monitor went on")."""

    def __init__(
        self, settings: LiveSettings, what: str, extra: Mapping[str, str], went_on: str
    ) -> None:
        self.settings = settings
        self.what = what
        self.went_on = went_on
        self.book = SeriesBook({**settings.labels, **extra})
        # Started with the first batch: a monitor whose first reading fails leaves no thread.
        self.writer: RemoteWriter | None = None

    def send(self, timestamp_s: float) -> None:
        """The book's gauges (and counters) at `timestamp_s`, queued for sending."""
        if self.writer is None:
            self.writer = RemoteWriter(self.settings.write_url)
        self.writer.submit(self.book.take(round(timestamp_s * 1000)))

    def close(self) -> SendTotals:
        """What is queued sent (bounded wait), the writer stopped; one warning if Prometheus
        did not take everything, one line with the counts. Nothing sent, nothing said."""
        if self.writer is None:
            return SendTotals()
        totals = self.writer.close()
        settings, url = self.settings, self.writer.shown_url
        if totals.first_error and settings.warn is not None:
            settings.warn(
                f"Live metrics of {self.what}: Prometheus at {url} did not take its samples "
                f"({totals.first_error}). {self.went_on}; {totals.undelivered:,} samples were "
                "not delivered."
            )
        if settings.info is not None:
            missed = f", {totals.undelivered:,} not delivered" if totals.undelivered else ""
            settings.info(
                f"Live metrics of {self.what}: {totals.delivered:,} samples delivered to "
                f"{url}{missed}."
            )
        return totals
