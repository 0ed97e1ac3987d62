"""PerfGate's core: plain Python that the Robot Framework libraries wrap."""

__version__ = "0.1.0"
