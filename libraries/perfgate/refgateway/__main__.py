"""`python -m perfgate.refgateway`, `perfgate gateway` and `perfgate-gateway`."""

from __future__ import annotations

import sys

from .cli import parse_options
from .listener import StartError, bind_listener, start_line


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    try:
        options = parse_options(args)
        sock = bind_listener(options.host, options.port)
    except (ValueError, StartError) as exc:
        print(f"perfgate-gateway: {exc}", file=sys.stderr, flush=True)
        return 2
    # Imported only now: a bad option or a taken port is reported without
    # paying for aiohttp's import.
    from .server import exit_on_stop_signals, run_master, run_worker

    exit_on_stop_signals()
    # Exactly one start line, flushed: Start Gateway reads the port from it.
    print(start_line(sock, options), flush=True)
    if options.workers == 1:
        return run_worker(sock, options)
    return run_master(sock, options)


if __name__ == "__main__":
    sys.exit(main())
