"""The Server-Sent Events protocol of the load pipeline: N concurrent `text/event-stream`
responses, timed and counted (`run_event_stream_load`, `SseLoadConfig`, `SseResult`)."""

from perfgate.load.sse.config import SseFormat, SseLoadConfig
from perfgate.load.sse.result import SSE_METRICS, SseResult, SseTimelineRow
from perfgate.load.sse.run import run_event_stream_load

__all__ = [
    "SSE_METRICS",
    "SseFormat",
    "SseLoadConfig",
    "SseResult",
    "SseTimelineRow",
    "run_event_stream_load",
]
