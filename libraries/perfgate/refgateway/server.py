"""Worker processes and signals: running the app until SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from types import FrameType

from aiohttp import web

from perfgate.procs.lifeline import bind_to_parent

from .app import make_app
from .options import GatewayOptions
from .state import STATE


def exit_on_stop_signals() -> None:
    """Until the event loop takes over, SIGTERM/SIGINT mean a clean exit (0).

    Without this a stop that arrives during start-up kills the process with
    the signal, which reads as a crash to whoever stopped it.
    """

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)


def _new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run_worker(sock: socket.socket, options: GatewayOptions, worker: int = 0) -> int:
    """Serve on `sock` in this process until SIGTERM or SIGINT; return the exit code."""
    loop = _new_loop()
    asyncio.set_event_loop(loop)
    try:
        loop.run_until_complete(_serve(sock, options, worker))
    finally:
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()
    return 0


async def _serve(sock: socket.socket, options: GatewayOptions, worker: int) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    app = make_app(options, worker)
    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        shutdown_timeout=options.shutdown_timeout,
    )
    await runner.setup()
    app[STATE].http_server = runner.server
    try:
        await web.SockSite(runner, sock).start()
        await stop.wait()
    finally:
        # Stops listening, closes idle keep-alive connections, sends WebSocket
        # close frames, then waits for in-flight requests to finish.
        await runner.cleanup()


def run_master(sock: socket.socket, options: GatewayOptions) -> int:
    """Fork the workers, forward SIGTERM/SIGINT to them, and wait for all to exit."""
    master = os.getpid()
    children: dict[int, int] = {}
    stopping = False

    def forward(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            _kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    sys.stdout.flush()
    sys.stderr.flush()
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    for index in range(options.workers):
        if stopping:
            break
        # Blocked across fork so that a stop signal cannot reach the child
        # while it still has the master's handler; delivered once unblocked.
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                exit_on_stop_signals()
                signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)
                bind_to_parent(master)
                code = run_worker(sock, options, index)
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children[pid] = index
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)
    sock.close()
    exit_code = 0
    while children:
        pid, status = os.waitpid(-1, 0)
        if pid not in children:
            continue
        index = children.pop(pid)
        code = os.waitstatus_to_exitcode(status)
        if code != 0 and not stopping:
            print(
                f"perfgate-gateway: worker {index} (pid {pid}) exited with {code}; "
                "stopping the others.",
                file=sys.stderr,
                flush=True,
            )
            stopping = True
            for other in children:
                _kill(other, signal.SIGTERM)
        if code != 0:
            exit_code = 1
    return exit_code


def _kill(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)
