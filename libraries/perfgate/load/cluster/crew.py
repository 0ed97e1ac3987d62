"""The coordinator's side of a run on a cluster: the second kind of crew
behind `perfgate.load.coordinator.run_workers` (the first is `_Crew`, worker
processes on this machine).

It places the load workers on the cluster's Dask workers
(`machines.place`), measures each machine's clock (`clock.measure`),
submits one relay task a load worker (`relay.relay`), and then does what
`_Crew` does over pipes through the run's queues: waits for "ready",
sends each machine the start instant in its own clock, hands the workers'
messages to the coordinator, tells the running workers "stop" and what
the protocol relays, and ends them all on every way out. While the run
lasts a thread beats every relay's lifeline.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import fields, is_dataclass, replace
from typing import TYPE_CHECKING, Any

from distributed import Queue

from perfgate.load.cluster import clock
from perfgate.load.cluster.machines import DaskWorker, place
from perfgate.load.cluster.record import ClusterRun, PlacedWorker
from perfgate.load.cluster.relay import (
    BEAT,
    BEAT_S,
    EXITED,
    LIFELINE_S,
    LOST_AFTER_S,
    SPAWNED,
    RelayJob,
    decode,
    encode,
    relay,
)
from perfgate.load.coordinator import Message, check_message
from perfgate.load.protocol import LoadProtocol, WorkerError
from perfgate.procs.workerproc import READY_TIMEOUT_S

if TYPE_CHECKING:
    from perfgate.load.cluster.session import Cluster

# Sending the start instant is a queue put per worker through the scheduler
# (milliseconds each); half a second reaches dozens of workers on a LAN.
CLUSTER_START_DELAY_S = 0.5
# The scheduler logs every queue get that times out as an error: waiting longer
# than a relay's beat, a get times out only when every relay fell silent.
PULL_S = 2 * BEAT_S
END_WAIT_S = LIFELINE_S + 2.0  # relays reap their worker within ~1 s of ("end",)


class ClusterCrew:
    start_delay_s = CLUSTER_START_DELAY_S

    def __init__(self, cluster: Cluster, protocol: LoadProtocol) -> None:
        self.cluster = cluster
        self.client = cluster.client
        self.protocol = protocol
        self.done: set[int] = set()
        self.record = ClusterRun(scheduler=cluster.address)
        cluster.last_run = self.record
        self.called_ns = time.monotonic_ns()
        self.run_id = uuid.uuid4().hex[:12]
        self.up = Queue(f"perfgate-{self.run_id}-up", client=self.client)
        self.downs: list[Any] = []
        self.futures: list[Any] = []
        self.slots: list[DaskWorker] = []
        self.clocks: dict[str, clock.ClockOffset] = {}
        self.inbox: dict[int, deque[tuple[str, Any]]] = {}
        self.heard: dict[int, float] = {}
        self.exited: set[int] = set()
        self.on_started: Callable[[int], Any] | None = None
        self.beating = threading.Event()
        self.beats = threading.Thread(target=self._beat, daemon=True, name="perfgate-lifeline")

    def _name(self, i: int) -> str:
        return f"{self.protocol.worker_name} {i + 1}"

    def _where(self, i: int) -> str:
        """'load worker 2 on host-b' (the machine is what a user can act on)."""
        return f"{self._name(i)} on {self.slots[i].machine}"

    def spawn(self, plans: Sequence[Any], on_started: Callable[[int], Any] | None) -> None:
        workers = self.cluster.dask_workers()
        self.slots = place(len(plans), workers, self.cluster.address)
        # Measured while the machines are idle: a busy event loop lengthens the round trip.
        for address in sorted({w.address for w in self.slots}):
            self.clocks[address] = clock.measure(self.client, address)
        # Only our own LocalCluster's load workers are processes of this machine we may watch.
        self.on_started = on_started if self.cluster.local is not None else None
        for i, (plan, worker) in enumerate(zip(plans, self.slots, strict=True)):
            self._submit(i, plan, worker)
        self.beats.start()

    def _submit(self, i: int, plan: Any, worker: DaskWorker) -> None:
        """Load worker `i`'s relay task, pinned to `worker` (never moved to another)."""
        down = Queue(f"perfgate-{self.run_id}-down-{i}", client=self.client)
        self.downs.append(down)
        self.inbox[i] = deque()
        self.heard[i] = time.monotonic()
        plan = _with_stamp_shift(plan, self._stamp_shift_ns(worker))
        job = RelayJob(i, self.protocol.worker_module, plan, self.up.name, down.name)
        self.futures.append(
            self.client.submit(
                relay,
                job,
                key=f"perfgate-relay-{self.run_id}-{i}",
                workers=[worker.address],
                allow_other_workers=False,
                pure=False,
                retries=0,
            )
        )
        offset = self.clocks[worker.address]
        self.record.workers.append(
            PlacedWorker(
                i,
                worker.machine,
                worker.address,
                clock_offset_s=offset.offset_ns / 1e9,
                clock_error_s=offset.uncertainty_ns / 1e9,
                stamp_shift_s=self._stamp_shift_ns(worker) / 1e9,
            )
        )

    def _stamp_shift_ns(self, worker: DaskWorker) -> int:
        """`worker`'s monotonic clock minus the publisher's (load worker 0's machine): what
        moves a send stamp of the publisher onto the clock its receipt is read on. One
        machine has one monotonic clock: exactly 0 there, not a measured near-0."""
        publisher = self.slots[0]
        if worker.machine == publisher.machine:
            return 0
        return self.clocks[worker.address].offset_ns - self.clocks[publisher.address].offset_ns

    def await_ready(self, i: int) -> Any:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while not self.inbox[i]:
            if time.monotonic() > deadline:
                raise WorkerError(
                    f"{self._where(i)} did not start within {READY_TIMEOUT_S:g} s; "
                    "the machine may be overloaded."
                )
            self._pull(PULL_S, starting=True)
        kind, payload = self.inbox[i].popleft()
        if kind != "ready":
            raise WorkerError(f"{self._where(i)} sent {kind!r} before 'ready'.")
        return payload

    def start(self, start_ns: int) -> None:
        for i, down in enumerate(self.downs):
            offset = self.clocks[self.slots[i].address].offset_ns
            down.put(encode(i, ("start", start_ns + offset)))
        self.record.call_to_start_s = (start_ns - self.called_ns) / 1e9

    def incoming(self, timeout: float) -> list[Message]:
        if not any(self.inbox.values()):
            self._pull(max(timeout, PULL_S))
        out = []
        for i, box in self.inbox.items():
            while box:
                out.append((i, *box.popleft()))
        return out

    def tell_running(self, msg: tuple[Any, ...], *, but: int | None = None) -> None:
        for j, down in enumerate(self.downs):
            if j != but and j not in self.done:
                down.put(encode(j, msg))

    def _pull(self, timeout: float, *, starting: bool = False) -> None:
        """Take what the relays sent within `timeout` s into the inboxes."""
        items = []
        with contextlib.suppress(TimeoutError, asyncio.TimeoutError):
            items.append(self.up.get(timeout=timeout))
            items.extend(self.up.get(batch=True))
        for item in items:
            i, (kind, payload) = decode(item)
            self.heard[i] = time.monotonic()
            self._take(i, kind, payload, starting)
        self._check_alive()

    def _take(self, i: int, kind: str, payload: Any, starting: bool) -> None:
        if kind == SPAWNED:
            self.record.workers[i].pid = int(payload["pid"])
            if self.on_started is not None:
                self.on_started(int(payload["pid"]))
        elif kind == EXITED:
            self.exited.add(i)
            if i not in self.done:
                pid = self.record.workers[i].pid
                how = "during start-up" if starting else f"(pid {pid}) unexpectedly"
                raise WorkerError(f"{self._where(i)} exited {how} with code {payload}.")
        elif kind != BEAT:
            who = self._where(i)
            self.inbox[i].append(
                check_message(self.protocol, who, kind, payload, starting=starting)
            )

    def _check_alive(self) -> None:
        """A relay silent for LOST_AFTER_S, or whose task failed, is a lost worker."""
        now = time.monotonic()
        for i, future in enumerate(self.futures):
            if i in self.done or i in self.exited:
                continue
            if future.status == "error":
                raise WorkerError(f"{self._where(i)} could not be run: {future.exception()}")
            if now - self.heard[i] > LOST_AFTER_S:
                raise WorkerError(
                    f"{self._where(i)} sent nothing for {LOST_AFTER_S:g} s: the machine or "
                    f"its Dask worker {self.slots[i].address} is gone or cut off."
                )

    def _beat(self) -> None:
        while not self.beating.wait(BEAT_S):
            for i, down in enumerate(self.downs):
                with contextlib.suppress(Exception):  # a lost relay is _check_alive's to report
                    down.put(encode(i, ("beat",)))

    def close(self) -> None:
        """End every relay (each reaps its load worker) and wait for them; never raises."""
        if len(self.done) == len(self.futures) and self.futures:
            self._measure_drift()
        self.beating.set()
        if self.beats.is_alive():
            self.beats.join(BEAT_S * 4)
        for i, down in enumerate(self.downs):
            with contextlib.suppress(Exception):
                down.put(encode(i, ("end",)), timeout=1.0)
        # Each relay reaps its load worker before its task ends: waiting for the
        # tasks is waiting until no load worker is left (a lost machine's relay
        # ends on its own lifeline instead).
        deadline = time.monotonic() + END_WAIT_S
        while time.monotonic() < deadline and not all(f.done() for f in self.futures):
            time.sleep(0.02)
        with contextlib.suppress(Exception):
            self.client.cancel(self.futures, force=True)
        for queue in [self.up, *self.downs]:
            with contextlib.suppress(Exception):
                queue.close()

    def _measure_drift(self) -> None:
        """The clocks again after a run: drift widens each worker's clock error."""
        try:
            after = {a: clock.measure(self.client, a) for a in self.clocks}
        except Exception:
            return  # a machine gone after its last snapshot: keep what was measured
        for placed in self.record.workers:
            error = clock.run_error_ns(self.clocks[placed.dask_worker], after[placed.dask_worker])
            placed.clock_error_s = error / 1e9


def _with_stamp_shift(plan: Any, shift_ns: int) -> Any:
    """The plan of an event protocol's worker (`perfgate.load.events.workerplan`) told how
    far its machine's clock is from the publisher's; any other plan as it is."""
    if not shift_ns or not is_dataclass(plan) or isinstance(plan, type):
        return plan
    return replace(plan, stamp_shift_ns=shift_ns) if "stamp_shift_ns" in _names(plan) else plan


def _names(instance: Any) -> set[str]:
    return {f.name for f in fields(instance)}
