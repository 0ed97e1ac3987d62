"""Load generation for every protocol.

- `stages`, `profiles`: what load, for how long (named profiles and stages);
- `thresholds`, `assertions`, `errorlimit`: what passes;
- `http`: the HTTP engine and `Run Load Profile`'s plan, gate, report;
- `ws`: WebSocket load (echo, broadcast, churn).
"""
