"""Load generation for every protocol.

- `stages`, `profiles`: what load, for how long (named profiles and stages);
- `thresholds`, `assertions`, `errorlimit`: what passes;
- the run itself, whatever its protocol: `coordinator` (spawn the workers,
  one start instant, collect, stop, reap), `protocol` (what a protocol plugs
  in), `seconds` (the per-second merge), `worker` (the worker process
  skeleton and its reporting clock), `target` (URLs, TLS, reachability),
  `generator_health`, `fdlimit`;
- the end of every run, whatever its protocol: `gate` (thresholds during and
  after the run, ``abort_on_fail``, the breaking point), `outcome` (judge,
  save the JSON, read it back), `console` (the progress line's frame),
  `report` (the summary table's frame), `resultjson` (NaN/null, saved
  fields), `arguments` (time scale, headers);
- `http`: the HTTP engine and `Run Load Profile`'s plan, figures and rows;
- `ws`: WebSocket load (echo, broadcast, churn).
"""
