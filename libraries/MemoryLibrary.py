"""Robot Framework keywords that watch a gateway's memory and judge whether it leaks."""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library

from perfgate import __version__
from perfgate.artifacts import redact
from perfgate.artifacts.paths import result_or_saved
from perfgate.errors import PerfGateError, user_errors
from perfgate.gateway.lookup import exit_description, find_gateway
from perfgate.live.settings import LibraryExport
from perfgate.measure.units import (
    parse_bytes,
    parse_duration,
    parse_fraction,
    parse_mb_per_hour,
    parse_size_with_unit,
)
from perfgate.memory.checks import check_recovery, check_stays_below
from perfgate.memory.display import BYTES_PER_MB
from perfgate.memory.heap.compare import HeapComparison
from perfgate.memory.heap.pyalloc import PythonTracker
from perfgate.memory.heap.report import allocation_html, comparison_html, snapshot_html
from perfgate.memory.heap.sampling import AllocationProfile, AllocationTracker
from perfgate.memory.heap.snapshot import HeapSnapshot
from perfgate.memory.heap.tools import HeapTools
from perfgate.memory.heap.watch import HeapWatch
from perfgate.memory.leak import INCONCLUSIVE, LEAK, LeakCriteria
from perfgate.memory.monitor import MemoryMonitor, monitor_for
from perfgate.memory.monitors import AutoStopped, MonitorRegistry
from perfgate.memory.report import failure_message, render_html, save_json, summary_line
from perfgate.memory.result import MemoryResult
from perfgate.memory.sample import MemorySample
from perfgate.memory.saved import read_saved, rejudge
from perfgate.memory.targets import resolve_source


@library(scope="GLOBAL", version=__version__, auto_keywords=False)
class MemoryLibrary:
    """Watch the memory of the gateway under test and judge whether it leaks.

    A monitor samples a target in a background thread while the test drives
    load; the target is a Gateway object from GatewayLibrary, a gateway alias, a
    PID, or a Prometheus metrics URL (``process_resident_memory_bytes``, so a
    gateway on another host can be watched):

    | ${gw}=     Start Gateway
    | Start Memory Monitor    ${gw}    interval=1 s
    | ${load}=   Run Load Profile    soak    ${gw.url}/api/echo
    | ${mem}=    `Stop Memory Monitor`    load=${load}
    | `Memory Should Not Leak`    ${mem}    max_rate=5 MB/h
    | `Memory Should Stay Below`    ${mem}    512 MB

    = What is measured =

    For a local process: RSS and USS (memory no other process shares) summed
    over the process and all its children, open file descriptors and threads.
    USS needs read access to ``/proc/<pid>/smaps_rollup``; where that is not
    permitted, that process's RSS is counted and the result carries a note. A
    metrics URL gives RSS and open files only. Each sample is timestamped with
    the monotonic clock (for durations) and the wall clock (for the record).
    Long runs keep at most 4096 points: neighbours are merged keeping each
    pair's lowest and highest RSS, so floors and peaks survive an 8-hour soak;
    first, last, peak, mean and the least-squares fit stay exact.

    Sizes are binary megabytes (MB = MiB = 2**20 bytes), as ``top`` and
    ``free -m`` show them.

    = The leak verdict =

    A straight line through all samples is fooled both ways: warm-up growth
    looks like a leak, and the garbage-collection sawtooth scatters the
    samples so much that a real leak fits badly and passes. PerfGate judges
    the *floor* the runtime comes back to after each collection instead:

    - The collection cycle is read from the samples: a *collection* is a fall
       of memory of at least 1 MB, eight times the readings' jitter and 30 %
       of the second-largest fall in the run. The *cycle* is the longest
       stretch after warm-up without one.
    - The warm-up is cut off: the first 20 % of the run, or ``warmup=``.
    - The rest is cut into *floors* (each stretch's lowest reading), one per
       cycle or more, and into ``windows`` equal windows (default 5), each at
       least a cycle long, so every floor and window holds a collection.
       Fewer than four such windows fit: *INCONCLUSIVE*, with the run length
       that would do.
    - A Theil-Sen slope (median of pairwise slopes, robust to one odd floor)
       is fitted through the floors, and a one-sided Mann-Kendall test asks
       whether they trend upward (scipy's ``theilslopes`` and ``kendalltau``).
    - *LEAK* only when all hold: the trend is significant (p < 0.05), the
       slope is above ``max_rate``, the trend's rise from the first floor to
       the last is above both ``min_growth`` and the peak-to-peak jitter of
       the window floors about the trend, the last three window floors each
       rose, together faster than ``max_rate`` (a warm-up tail or a cache
       filling up levels off; a leak keeps going), and the slope's 95 %
       confidence interval is within +-30 % of it. A rise whose rate is not
       known to +-30 % is *INCONCLUSIVE*: a rate off by more is no figure to
       act on.
    - A target on a collected runtime (Node.js, the JVM, .NET: found from its
       process names or its metrics) that has not collected once in the run
       is not convicted: its climb may be its first cycle.
    - Otherwise PerfGate asks whether the run *could* have seen a leak: it
       adds a synthetic leak of 1.5 x ``max_rate`` to the very samples it
       took and judges the same windows again. If even that would not be a
       LEAK, the verdict is *INCONCLUSIVE*, and the reason says which leak
       rate the run could resolve and how long a run would vouch for
       ``max_rate``. Else *NO LEAK*.

    So a short run can convict a fast leak but cannot clear a server against
    a tight limit: with the defaults (5 MB/h, 10 MB) that takes a soak of
    about 1 h 45 min. For short runs raise ``max_rate`` or lower
    ``min_growth``; the reason of an INCONCLUSIVE verdict says what would do.
    The reason names the collections, windows and floors it used, and the
    chart in the log shows them.

    = Results =

    `Stop Memory Monitor` and `Monitor Memory` return a result whose
    attributes Robot can read, e.g. ``${mem.verdict}`` (``LEAK``, ``NO LEAK``
    or ``INCONCLUSIVE``), ``${mem.reason}``, ``${mem.leak_rate_mb_per_hour}``,
    ``${mem.growth_mb}``, ``${mem.peak_mb}``, ``${mem.samples}``; also
    initial/final/min/max/mean MB, ``peak_at_s``, ``growth_pct``, the USS,
    open-file and thread figures, ``bytes_per_request`` (when ``load=`` was
    given), the rate's confidence interval and, for comparison with older
    reports, ``ols_slope_mb_per_hour`` and ``ols_r_squared`` over all samples.
    Before any assertion runs, the result is saved as JSON under
    ``${OUTPUT DIR}/perfgate/`` with a name unique across pabot processes
    (``memory-<alias>-q<queue>-p<pid>-<n>.json``). The log shows a chart of
    RSS and USS with the warm-up cut, collections, windows, floors and fitted trend, and
    a table with the statistics; a LEAK's message leads with plain words (``grew 77 MB
    in 15 s, about 5 MB/min, limit 60 MB/h``); on a LEAK, the growth by kind of
    memory mapping (heap, anonymous, files, ...) between the first and the
    last sample. `Memory Should Not Leak` and the other checks also take
    the path of such a file, so a saved run can be judged again.

    Monitors still running when their test (or, if started in a suite setup,
    their suite) ends are stopped by the library, with a warning: no
    sampling thread outlives the run.

    = Secrets =

    A metrics URL's password and its query parameters whose name contains
    ``token``, ``secret``, ``password``, ``passwd``, ``key``, ``auth`` or
    ``session`` (case-insensitive) are shown as ``***`` in the log and the
    saved result; the monitor uses the real URL. The ``secret_names`` import
    argument adds names, for every PerfGate library in the process:

    | Library    MemoryLibrary    secret_names=tenant
    """

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(
        self, *, secret_names: str | list[str] | None = None, prometheus_url: str | None = None
    ) -> None:
        """``secret_names`` adds names whose values are shown as ``***``: see `Secrets`.

        ``prometheus_url`` (else ``${PERFGATE_PROMETHEUS_URL}``, when set) sends every
        monitor's readings, and its leak verdict at the stop, to that Prometheus by remote
        write while it runs (docs/live.md); an unreachable one costs one warning at the stop.

        | Library    MemoryLibrary    prometheus_url=http://127.0.0.1:9090
        """
        redact.add_names(secret_names)
        self.ROBOT_LIBRARY_LISTENER = self
        self._monitors = MonitorRegistry(
            live=LibraryExport(prometheus_url, logger.warn, logger.info)
        )
        self._heap = HeapTools(find_gateway, exit_description)

    # -- keywords ---------------------------------------------------------------

    @keyword
    @user_errors(ValueError, ConnectionError, TimeoutError)
    def start_memory_monitor(
        self,
        target: Any,
        interval: timedelta | str = "1 s",
        alias: str = "",
        warmup: timedelta | str = "",
        max_rate: str = "5 MB/h",
        min_growth: str = "10 MB",
        windows: int = 5,
        heap_snapshots: bool = False,
    ) -> MemoryMonitor:
        """Starts sampling the memory of ``target`` every ``interval`` in the background.

        ``target`` is a Gateway object from GatewayLibrary, a gateway alias, a PID or a
        Prometheus metrics URL (``/metrics`` is added when the URL has no
        path). The first sample is taken at once, so a wrong target fails
        here. ``alias`` names the monitor for `Stop Memory Monitor` (default
        ``memory1``, ``memory2``, ...).

        ``warmup``, ``max_rate``, ``min_growth`` and ``windows`` set how the
        result is judged (see the library introduction); `Memory Should Not Leak`
        can judge again with others. ``warmup`` is a duration (``2 min``)
        or a share of the run (``25%``); empty means 20 %.

        ``heap_snapshots`` set to ``True`` (a Node.js gateway started with ``inspect=True``)
        takes a `Take Heap Snapshot` once ``warmup`` (a duration) is over and
        another when the monitor stops, and logs their comparison under the
        chart; a LEAK's reason then ends with what grew most ("Heap
        snapshots: mostly SessionRecord (+5,000 objects, +351.6 KB)"). Each
        snapshot pauses the gateway (noted in the result with its time, and
        shaded on the chart).

        For a Python gateway, which has no heap snapshot, ``heap_snapshots=True``
        attaches memray once the warm-up is over and detaches it at the stop
        (see `Start Allocation Tracking`): the result's ``allocation_growth``
        names the allocation site that kept most, ``heap_allocations`` holds
        the sites, the log shows them under the chart, and a LEAK's reason
        ends with "Allocation sites: mostly _leak at .../faults.py:153
        (4,041.9 KB kept)".

        Returns the monitor.

        | Start Memory Monitor    ${gw}    interval=500 ms
        | Start Memory Monitor    http://10.0.0.5:9100/metrics    alias=remote
        | Start Memory Monitor    ${node_gw}    warmup=30 s    heap_snapshots=True
        """
        criteria = _criteria(warmup, max_rate, min_growth, windows)
        monitor = self._monitors.start(
            self._create(target, interval, alias, criteria, heap_snapshots)
        )
        logger.info(
            f"Memory monitor '{monitor.alias}' started on {monitor.source.description}, every "
            f"{monitor.interval_s:g} s: {monitor.series.first}."
        )
        return monitor

    @keyword
    @user_errors()
    def stop_memory_monitor(
        self, monitor: MemoryMonitor | str | None = None, load: Any = None
    ) -> MemoryResult:
        """Stops a monitor and returns its result (see the library introduction).

        ``monitor`` is the object `Start Memory Monitor` returned or its
        alias; by default the monitor started last. ``load`` is a load result
        (anything with a ``requests`` attribute) or a request count: the
        result then includes ``bytes_per_request``, the floor's trend growth
        over the monitored time shared among the requests.

        The result is saved as JSON and logged before it is returned, so it
        is on record even when an assertion fails.

        | ${mem}=    Stop Memory Monitor
        | ${mem}=    Stop Memory Monitor    remote    load=${load}
        """
        return self._publish(self._monitors.stop(monitor, _request_count(load)))

    @keyword
    @user_errors()
    def monitor_memory(
        self,
        target: Any,
        duration: timedelta | str = "5 min",
        interval: timedelta | str = "5 s",
        warmup: timedelta | str = "",
        alias: str = "",
        max_rate: str = "5 MB/h",
        min_growth: str = "10 MB",
        windows: int = 5,
        heap_snapshots: bool = False,
    ) -> MemoryResult:
        """Samples the memory of ``target`` for ``duration`` and returns the result.

        The blocking form of `Start Memory Monitor` and `Stop Memory Monitor`,
        for when the load runs elsewhere (another process, another pabot
        worker) or the test just watches an idle gateway. A test or keyword
        timeout, or Ctrl-C, ends the wait at once and stops the sampling.

        - ``target``: a Gateway object, a gateway alias, a PID or a
          Prometheus metrics URL, as for `Start Memory Monitor`.
        - ``duration``: how long to sample (``5 min``, ``90 s``, ``1 h``).
        - ``interval``: the time between readings (``5 s``, ``500 ms``).
        - ``warmup``: the start left out of the verdict, a duration
          (``1 min``) or a share of the run (``25%``); empty means 20 %.
        - ``alias``: the name of the result and its JSON file; empty means
          ``memory1``, ``memory2``, ...
        - ``max_rate``: the growth that counts as a leak (``5 MB/h``,
          ``1 MB/min``).
        - ``min_growth``: the smallest total rise that can be a leak
          (``10 MB``).
        - ``windows``: how many equal windows the run after the warm-up is
          cut into for the verdict (default 5).
        - ``heap_snapshots``: ``True`` as for `Start Memory Monitor`: the
          second snapshot (or memray's detach) comes after the last reading,
          so the keyword takes that much longer than ``duration``.

        See `The leak verdict` for how ``warmup``, ``max_rate``,
        ``min_growth`` and ``windows`` decide.

        | ${mem}=    Monitor Memory    ${gw}    duration=2 min    interval=1 s
        | ${mem}=    Monitor Memory    ${gw}    duration=5 min    warmup=1 min    heap_snapshots=True
        """
        duration_s = parse_duration(duration)
        criteria = _criteria(warmup, max_rate, min_growth, windows)
        monitor = self._create(target, interval, alias, criteria, heap_snapshots)
        logger.info(
            f"Monitoring the memory of {monitor.source.description} for {duration_s:g} s, every "
            f"{monitor.interval_s:g} s."
        )
        return self._publish(monitor_for(monitor, duration_s))

    @keyword
    @user_errors()
    def take_memory_snapshot(self, target: Any) -> MemorySample:
        """Reads the memory of ``target`` once, now, and returns the sample.

        The sample has ``rss``, ``uss`` (bytes, ``None`` from a metrics URL),
        ``rss_mb``, ``uss_mb``, ``open_files``, ``threads`` and ``processes``.

        | ${snap}=    Take Memory Snapshot    ${gw}
        | Should Be True    ${snap.rss_mb} < 300
        """
        source = resolve_source(target, find_gateway)
        try:
            sample = source.sample()
        except Exception as exc:
            raise PerfGateError(f"Cannot read the memory of {source.description}: {exc}") from None
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()
        logger.info(f"{source.description}: {sample}.")
        for note in source.notes:
            logger.info(note)
        return sample

    @keyword
    @user_errors()
    def memory_should_not_leak(
        self,
        memory: MemoryResult | str,
        max_rate: str = "",
        min_growth: str = "",
        warmup: timedelta | str = "",
        windows: int | None = None,
        inconclusive: str = "fail",
    ) -> MemoryResult:
        """Fails when the verdict on ``memory`` is LEAK, and by default when it is INCONCLUSIVE.

        ``memory`` is the result of `Stop Memory Monitor` or `Monitor Memory`,
        or the path of the JSON file it was saved as (``${mem.json_path}``),
        so a run can be judged again later. Without arguments the verdict
        made when the monitor stopped stands.
        Given ``max_rate`` (``5 MB/h``, ``1 MB/min``), ``min_growth``
        (``10 MB``), ``warmup`` or ``windows``, the run is judged again with
        those, logged, and its JSON file rewritten to match.

        ``inconclusive`` says what a run too short to tell does: ``fail``
        (default: a gate that passes without evidence is no gate), ``warn``
        or ``pass``. The failure message gives the reason, including how long
        a run would be needed.

        Returns the (possibly re-judged) result.

        | Memory Should Not Leak    ${mem}    max_rate=60 MB/h    min_growth=2 MB
        | Memory Should Not Leak    ${OUTPUT DIR}/perfgate/memory-soak-q0-p4242-001.json    max_rate=60 MB/h
        """
        on_inconclusive = inconclusive.strip().lower()
        if on_inconclusive not in ("fail", "warn", "pass"):
            raise ValueError(f"inconclusive must be fail, warn or pass, got {inconclusive!r}.")
        memory = _as_result(memory)
        if max_rate or min_growth or warmup or windows is not None:
            changes: dict[str, Any] = _warmup(warmup) if str(warmup).strip() else {}
            if max_rate:
                changes["max_rate_mb_per_hour"] = parse_mb_per_hour(max_rate)
            if min_growth:
                changes["min_growth_mb"] = parse_bytes(min_growth) / BYTES_PER_MB
            if windows is not None:
                changes["windows"] = windows
            memory = rejudge(memory, **changes)
            logger.info(render_html(memory), html=True)
        message = failure_message(memory)
        if memory.verdict == LEAK:
            raise AssertionError(message)
        if memory.verdict == INCONCLUSIVE:
            if on_inconclusive == "fail":
                raise AssertionError(message)
            if on_inconclusive == "warn":
                logger.warn(message)
                return memory
        logger.info(message)
        return memory

    @keyword
    @user_errors()
    def memory_should_stay_below(
        self, memory: MemoryResult | str, limit: str, metric: str = "rss"
    ) -> None:
        """Fails when the peak ``metric`` (``rss`` or ``uss``) of ``memory`` reached ``limit``.

        ``memory`` is a result or the path of its saved JSON file. The peak is
        over every sample taken, not only the points kept for the chart.
        ``limit`` is a size such as ``512 MB`` or ``1.5 GiB``; a bare number
        (``512``) is refused, as it would be bytes.

        | Memory Should Stay Below    ${mem}    512 MB
        | Memory Should Stay Below    ${mem}    400 MB    metric=uss
        """
        limit_bytes = parse_size_with_unit(limit, "the memory limit")
        check = check_stays_below(_as_result(memory), limit_bytes, metric)
        if not check.ok:
            raise AssertionError(check.message)
        logger.info(check.message)

    @keyword
    @user_errors()
    def memory_should_recover_after_idle(
        self, memory: MemoryResult | str, tolerance: str = "10%", idle: timedelta | str = ""
    ) -> None:
        """Fails unless the memory floor came back near its post-warm-up level after idling.

        ``memory`` is a result or the path of its saved JSON file. Run load,
        then let the gateway idle before stopping the monitor. The
        baseline is the lowest RSS in the first window after the warm-up cut;
        the idle floor is the lowest RSS in the last ``idle`` of the run
        (default: one window, i.e. (run - warm-up) / windows). Passes when the
        idle floor is at most the baseline plus ``tolerance`` (``10%`` of it).

        | Start Memory Monitor    ${gw}
        | Run Load Profile    spike    ${gw.url}/api/echo
        | Sleep    1 min
        | ${mem}=    Stop Memory Monitor
        | Memory Should Recover After Idle    ${mem}    tolerance=15%    idle=45 s
        """
        idle_s = parse_duration(idle) if str(idle).strip() else None
        check = check_recovery(_as_result(memory), parse_fraction(tolerance), idle_s)
        if not check.ok:
            raise AssertionError(check.message)
        logger.info(check.message)

    # -- where the memory went: heap snapshots and allocation sites --------------

    @keyword
    @user_errors(ValueError, ConnectionError, TimeoutError)
    def take_heap_snapshot(
        self, target: Any, timeout: timedelta | str = timedelta(minutes=2)
    ) -> HeapSnapshot:
        """Saves a heap snapshot of a Node.js gateway and returns its summary.

        ``target`` is a Gateway started with ``inspect=True``, its alias, or
        the ``ws://127.0.0.1:...`` URL of a Node inspector started elsewhere
        (``node --inspect=127.0.0.1:0`` prints it). The snapshot is saved as
        ``${OUTPUT DIR}/perfgate/heap-<alias>-....heapsnapshot``, linked in
        the log (it opens in Chrome DevTools: Memory, Load). V8 collects
        garbage first, so the snapshot holds what is still referenced.

        A snapshot stops the gateway while V8 writes it: the log gives how
        long it took and how long the gateway's health URL waited (seconds
        for a heap of hundreds of MB), so take it outside the measured load.
        ``timeout`` bounds the whole snapshot; a gateway that exits meanwhile
        is reported with its exit status.

        The result has ``path``, ``objects``, ``self_size`` (bytes),
        ``size_bytes`` (the file), ``took_s``, ``pause_s``, and
        ``classes`` by constructor name with ``count`` and ``self_size``.

        | ${gw}=        Start Gateway    node    server.js    --port    {port}    inspect=True
        | ${before}=    Take Heap Snapshot    ${gw}
        | Run Load Profile    steady    ${gw.url}/api/orders
        | ${after}=     Take Heap Snapshot    ${gw}
        | Should Be True    ${after.count('SessionRecord')} < 100

        A Python gateway has no snapshot PerfGate can compare object by
        object (Python keeps no object ids across time as V8 does): the
        error says to use `Start Allocation Tracking` and `Stop Allocation
        Tracking`, whose window is the Python comparison.
        """
        snapshot = self._heap.snapshot(target, parse_duration(timeout))
        logger.info(snapshot_html(snapshot), html=True)
        return snapshot

    @keyword
    @user_errors(ValueError)
    def compare_heap_snapshots(
        self,
        before: HeapSnapshot | str,
        after: HeapSnapshot | str,
        min_growth: str = "64 KiB",
        min_objects: int = 100,
        rows: int = 15,
    ) -> HeapComparison:
        """Logs and returns what grew between two heap snapshots, as DevTools' comparison view.

        ``before`` and ``after`` are results of `Take Heap Snapshot` of the
        same gateway (or paths of ``.heapsnapshot`` files it saved). For each
        constructor: objects new and deleted, their difference, and the
        bytes allocated, freed and their difference (self sizes), largest
        growth first; the log shows the first ``rows`` rows. A constructor
        *grows* when it gained at least ``min_objects`` objects and
        ``min_growth`` bytes; V8's own ``(compiled code)``, ``(system)`` and
        ``(object shape)`` never count (the JIT grows them).

        The result's ``top`` is the constructor named in a leak report: the
        first of the growing ones that is a class of the gateway's, else the
        first growing ``(string)``-like kind, else ``None``; ``growing``
        lists them all; ``row('Name')`` gives one constructor's row
        (``new``, ``deleted``, ``delta``, ``alloc_bytes``, ``freed_bytes``,
        ``delta_bytes``); ``summary()`` reads "mostly SessionRecord
        (+5,000 objects, +351.6 KB)".

        | ${diff}=    Compare Heap Snapshots    ${before}    ${after}
        | Should Be Equal    ${diff.top.name}    SessionRecord
        | Should Be Equal    ${diff.growing}    ${{[]}}
        """
        comparison = self._heap.compare(before, after, parse_bytes(min_growth), int(min_objects))
        logger.info(comparison_html(comparison, int(rows)), html=True)
        return comparison

    @keyword
    @user_errors(ValueError, ConnectionError, TimeoutError)
    def start_allocation_tracking(
        self, target: Any, interval: str = "32 KiB", alias: str = ""
    ) -> AllocationTracker | PythonTracker:
        """Starts V8's sampling heap profiler in a Node.js gateway, for `Stop Allocation Tracking`.

        ``target`` is as for `Take Heap Snapshot`. V8 records the stack of
        one allocation per ``interval`` bytes allocated (on average) and
        drops a record when its object is collected, so what remains at the
        stop is what the gateway kept. A smaller ``interval`` sees smaller
        leaks and costs the gateway more. ``alias`` names the tracking
        (default ``allocations1``, ...).

        A Python gateway (a Gateway, its alias, or the PID of a Python
        process started elsewhere) is tracked through memray, which gdb
        attaches to each of its Python processes (about 1.5 s each, the
        process stopped meanwhile); memray records every allocation, so
        ``interval`` does not apply. Where attaching is impossible (no
        ptrace permission, a Python without memray, no gdb, a gdb that
        would leave the process broken, as gdb 13 on a CPU with AMX) the
        error says why and what to do; the gateway is not touched.

        | Start Allocation Tracking    ${gw}    interval=4 KiB
        | Start Allocation Tracking    ${python_gw}
        """
        tracker = self._heap.start_tracking(target, parse_bytes(interval), alias)
        how = f"sampling every {tracker.interval_bytes:,} bytes"
        if isinstance(tracker, PythonTracker):
            paused = f", the gateway paused {tracker.pause_s:.2f} s" if tracker.pause_s else ""
            how = f"recording every allocation through memray (attached in {tracker.attach_s:.2f} s{paused})"
        logger.info(
            f"Allocation tracking '{tracker.alias}' started on {tracker.target.label}, {how}."
        )
        return tracker

    @keyword
    @user_errors(ValueError, ConnectionError, TimeoutError)
    def stop_allocation_tracking(
        self,
        tracking: AllocationTracker | PythonTracker | str | None = None,
        timeout: timedelta | str = timedelta(minutes=1),
        rows: int = 10,
    ) -> AllocationProfile:
        """Stops allocation tracking and returns the sites that kept the most bytes.

        ``tracking`` is what `Start Allocation Tracking` returned or its
        alias; by default the last started. V8 collects garbage first. Each
        site is a function, its file and the line where the function starts
        (V8 records functions, not statements), with the bytes its
        allocations still hold; the log shows the first ``rows``. The
        result's ``top`` is the site in the gateway's own code (not Node's
        ``node:`` modules, Python's standard library and installed packages)
        that kept most; ``sites`` lists them all.

        For a Python gateway, memray is detached and each process's capture
        file read (linked in the log: ``memray summary``, ``memray flamegraph
        --leaks`` open it): the bytes still allocated at the stop, per
        innermost Python frame, whose line is the allocating statement.
        ``timeout`` bounds the wait for the sites (``1 min``).

        | ${kept}=    Stop Allocation Tracking
        | Should Be Equal    ${kept.top.function}    handle
        | Should End With    ${kept.top.file}    faults.py
        """
        profile = self._heap.stop_tracking(tracking, parse_duration(timeout))
        logger.info(allocation_html(profile, int(rows)), html=True)
        return profile

    # -- listener: stop what a test or suite forgot -----------------------------

    def _start_suite(self, data: Any, result: Any) -> None:
        self._monitors.enter_suite(data.id)

    def _end_suite(self, data: Any, result: Any) -> None:
        _warn_stopped(self._monitors.leave_suite(), f"suite '{data.name}'")

    def _start_test(self, data: Any, result: Any) -> None:
        self._monitors.enter_test(data.id)

    def _end_test(self, data: Any, result: Any) -> None:
        _warn_stopped(self._monitors.leave_test(), f"test '{data.name}'")
        for name in self._heap.forget_trackers():
            logger.warn(
                f"Allocation tracking '{name}' was still running when test '{data.name}' ended; "
                "PerfGate dropped it. Add 'Stop Allocation Tracking' to read it."
            )

    def _close(self) -> None:
        try:
            _warn_stopped(self._monitors.stop_all(), "the run")
        finally:
            self._heap.close_all()

    # -- helpers ------------------------------------------------------------------

    def _create(
        self,
        target: Any,
        interval: timedelta | str,
        alias: str,
        criteria: LeakCriteria,
        heap_snapshots: bool,
    ) -> MemoryMonitor:
        """The monitor `Start Memory Monitor` and `Monitor Memory` set up alike, not started."""
        watch = HeapWatch(self._heap, target, criteria.warmup_s) if heap_snapshots else None
        return self._monitors.create(target, parse_duration(interval), alias, criteria, watch)

    @staticmethod
    def _publish(result: MemoryResult) -> MemoryResult:
        saved = save_json(result)
        logger.info(summary_line(saved))
        logger.info(render_html(saved), html=True)
        return saved


def _warn_stopped(stopped: list[AutoStopped], where: str) -> None:
    for item in stopped:
        if item.result is None:
            logger.warn(f"Memory monitor '{item.name}' could not be stopped cleanly: {item.error}")
            continue
        logger.warn(
            f"Memory monitor '{item.name}' was still running when {where} ended; PerfGate "
            f"stopped it (verdict {item.result.verdict}, saved to {item.result.json_path}). Add "
            "'Stop Memory Monitor' to judge it."
        )


def _warmup(text: timedelta | str) -> dict[str, Any]:
    """``25%`` is a share of the run, anything else a duration."""
    if isinstance(text, str) and text.strip().endswith("%"):
        return {"warmup_s": None, "warmup_fraction": parse_fraction(text)}
    return {"warmup_s": parse_duration(text)}


def _criteria(
    warmup: timedelta | str, max_rate: str, min_growth: str, windows: int
) -> LeakCriteria:
    return LeakCriteria(
        max_rate_mb_per_hour=parse_mb_per_hour(max_rate),
        min_growth_mb=parse_bytes(min_growth) / BYTES_PER_MB,
        windows=int(windows),
        **(_warmup(warmup) if str(warmup).strip() else {}),
    )


def _request_count(load: Any) -> int | None:
    if load is None or load == "":
        return None
    if isinstance(load, int) and not isinstance(load, bool):
        return load
    if isinstance(load, str) and load.strip().isdigit():
        return int(load)
    requests = getattr(load, "requests", None)
    if isinstance(requests, int) and not isinstance(requests, bool):
        return requests
    if isinstance(requests, float) and math.isfinite(requests) and requests.is_integer():
        return int(requests)
    raise ValueError(
        f"load must be a load result with a 'requests' count, or a number; got "
        f"{type(load).__name__}."
    )


def _as_result(memory: Any) -> MemoryResult:
    return result_or_saved(
        memory, MemoryResult, read_saved, "Stop Memory Monitor or Monitor Memory"
    )
