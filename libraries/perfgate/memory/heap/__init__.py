"""Where the memory went: heap snapshots and allocation sites of the gateway under test (issue 18).

- `inspector`: a DevTools-protocol client over ``websocket-client`` for a
  Node.js gateway's inspector (loopback only).
- `snapshot`: ``HeapProfiler.takeHeapSnapshot`` streamed to a
  ``.heapsnapshot`` file (atomic, `streamfile`), timed, with the gateway's
  pause measured from outside (`pause`), summarised by constructor (`parse`).
- `compare`: two snapshots compared as DevTools' comparison view does.
- `sampling`: the sampling heap profiler: the allocation sites that kept most.
- `targets`: what a test names (a Gateway, an alias, a ws:// URL) as an inspector.
- `report`: the HTML tables for log.html.
"""
