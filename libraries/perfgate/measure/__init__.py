"""Numbers and how they are kept: mergeable latency histograms of stated precision
(`histogram`), bounded per-second timelines (`timeline`), and parsing of sizes,
durations and rates (`units`).
"""
