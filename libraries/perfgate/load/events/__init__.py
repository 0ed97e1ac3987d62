"""What the event protocols (WebSocket, SSE) share: exact loss from sequence numbers
(`tracker`), send-time stamps and the clock latencies stand on (`stamps`,
`stampcount`), message templates and JSON field paths (`messages`), a worker's
per-second counters (`recorder`), the figures every result has and how a merge
fills them (`figures`), connection errors as one sentence (`errors`),
the broadcast publisher (`publisher`), a worker's share of the clients
(`workerplan`) and what its clients share (`context`).

Protocol-neutral: nothing here imports a protocol package.
"""
