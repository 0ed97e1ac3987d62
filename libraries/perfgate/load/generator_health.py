"""Warnings about the load generator itself: numbers from a starved or
lagging generator describe the generator, not the gateway."""

from __future__ import annotations

CPU_BOUND_PERCENT = 90.0  # a worker this busy may be what limits the load
MIN_SAMPLES = 100  # below this, p99 rests on a single value


def health_warnings(
    cpu_percent: list[float], intended: int, missed: int, samples: int
) -> list[str]:
    warnings = []
    for i, cpu in enumerate(cpu_percent, start=1):
        if cpu >= CPU_BOUND_PERCENT:
            warnings.append(_cpu_bound(i, cpu))
    if missed > 0:
        warnings.append(f"missed {missed:,} of {intended:,} intended requests")
    if samples < MIN_SAMPLES:
        warnings.append(f"only {samples:,} samples: percentiles are rough")
    return warnings


def _cpu_bound(worker: int, cpu: float, machine: str = "") -> str:
    where = f" on {machine}" if machine else ""
    return f"load generator CPU-bound (worker {worker}{where} at {cpu:.0f}% CPU)"


def name_machines(warnings: list[str], cpu_percent: list[float], machines: list[str]) -> list[str]:
    """`warnings` with each CPU-bound worker's machine named (a run on a cluster: the
    machine is what a user can act on); `machines[i]` ran worker i + 1."""
    named = {
        _cpu_bound(i, cpu): _cpu_bound(i, cpu, machine)
        for i, (cpu, machine) in enumerate(zip(cpu_percent, machines, strict=False), start=1)
    }
    return [named.get(w, w) for w in warnings]
