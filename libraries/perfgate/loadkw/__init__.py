"""What `Run Load Profile` does around the engine, as plain Python the keyword layer calls.

- `plan`: profile name + keyword arguments -> a checked `RunPlan` (the
  resolved profile, the engine's `LoadConfig`, thresholds);
- `gate`: thresholds judged while the run goes (``abort_on_fail``, the
  breaking point of a ``stop_on_threshold`` profile) and at its end;
- `metrics`: the metric names a load result answers, breaking point included;
- `console`: the progress line printed every few seconds;
- `charts`, `report`: what log.html shows (summary table, inline SVG);
- `runner`: the whole sequence - run, judge, save JSON, then report.
"""
