"""Memory monitoring and leak verdicts for the processes under test."""
