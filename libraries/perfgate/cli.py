"""The `perfgate` console command: one entry point, one module per subcommand."""

from __future__ import annotations

import importlib
import sys

# Subcommand -> module with a `main(argv: list[str]) -> int`. Imported lazily
# so that `perfgate cleanup` works even when an unrelated module is broken.
_SUBCOMMANDS = {
    "cleanup": ("perfgate.procs.cleanup", "remove processes left behind by a crashed run"),
    "trends": ("perfgate.baseline.trends", "write an HTML/text report of results over runs"),
    "gateway": ("perfgate.refgateway.__main__", "run the reference gateway"),
    "watch": ("perfgate.live.watch", "show every running load under a results directory"),
}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] in ("-h", "--help"):
        print("usage: perfgate {" + ",".join(_SUBCOMMANDS) + "} [options]\n")
        for name, (_, summary) in _SUBCOMMANDS.items():
            print(f"  {name:<10} {summary}")
        return 0 if args else 2
    name, rest = args[0], args[1:]
    if name not in _SUBCOMMANDS:
        print(
            f"perfgate: unknown command {name!r}; choose one of {', '.join(_SUBCOMMANDS)}.",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(_SUBCOMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
