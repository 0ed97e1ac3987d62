"""The reference gateway's GC-like sawtooth (--sawtooth-mb, --sawtooth-period), which
lets the memory suites test a long collection cycle without a collected runtime."""

from __future__ import annotations

import itertools
import random
import subprocess
import sys
import time

import numpy as np
import psutil
import pytest

from perfgate.memory.cycles import find_collections
from perfgate.memory.display import BYTES_PER_MB
from perfgate.refgateway.cli import parse_options
from perfgate.refgateway.faults import Sawtooth
from perfgate.refgateway.options import GatewayOptions

SAWTOOTH = ("--sawtooth-mb", "24", "--sawtooth-period", "2", "--seed", "3")


def test_garbage_climbs_to_the_size_and_is_dropped_once_a_cycle():
    saw = Sawtooth(GatewayOptions(sawtooth_mb=8, sawtooth_period=10), random.Random(1))
    held, drops, last = [], [], 0
    for tick in range(600):  # 60 s in the gateway's 0.1 s ticks
        saw.tick(tick / 10)
        if saw.held_bytes < last:
            drops.append(tick / 10)
        last = saw.held_bytes
        held.append(saw.held_bytes)
    assert max(held) <= 8 * BYTES_PER_MB
    assert max(held) > 0.9 * 8 * BYTES_PER_MB
    gaps = [b - a for a, b in itertools.pairwise(drops)]
    assert len(drops) == saw.cycles >= 4
    # Cycles vary within +-25 % of the period, as collections do.
    assert all(7.5 - 0.1 <= gap <= 12.5 + 0.1 for gap in gaps), gaps
    saw.collect()
    assert saw.held_bytes == 0


def test_switching_the_sawtooth_off_gives_the_garbage_back():
    options = GatewayOptions(sawtooth_mb=4, sawtooth_period=10)
    saw = Sawtooth(options, random.Random(2))
    saw.tick(0.0)
    saw.tick(2.0)
    assert saw.held_bytes > 0
    options.sawtooth_mb = options.sawtooth_period = 0
    saw.tick(2.1)
    assert saw.held_bytes == 0


def test_size_and_period_come_together():
    assert parse_options(["--sawtooth-mb", "30", "--sawtooth-period", "20"]).sawtooth_mb == 30
    with pytest.raises(ValueError, match="--sawtooth-mb and --sawtooth-period must be given"):
        parse_options(["--sawtooth-mb", "30"])
    with pytest.raises(ValueError, match=r"--sawtooth-period -1\.0 must not be negative"):
        parse_options(["--sawtooth-mb", "30", "--sawtooth-period", "-1"])


def test_the_gateways_rss_follows_the_sawtooth():
    proc = subprocess.Popen(
        [sys.executable, "-m", "perfgate.refgateway", "--port", "0", *SAWTOOTH],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and "listening" in proc.stdout.readline()
        gateway = psutil.Process(proc.pid)
        t, rss = [], []
        began = time.monotonic()
        while time.monotonic() - began < 9:
            t.append(time.monotonic() - began)
            rss.append(gateway.memory_info().rss / BYTES_PER_MB)
            time.sleep(0.1)
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    found = find_collections(np.array(t), np.array(rss))
    assert len(found.at_s) >= 3, found
    assert all(18 <= fall <= 26 for fall in found.fall_mb), found.fall_mb
