"""A child process that holds memory on command, for sampler tests.

Reads lines from stdin: `alloc <MB>` keeps that much more memory (pages
touched, so they are resident), `free` lets it all go, `spawn <MB>` starts a
grandchild holding that much, `exit` ends. Answers each line with `ok`.
"""

from __future__ import annotations

import subprocess
import sys

MB = 1024 * 1024


def main() -> None:
    held: list[bytes] = []
    children: list[subprocess.Popen[str]] = []
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            cmd, *arg = line.split()
            if cmd == "alloc":
                held.append(b"\x01" * (int(arg[0]) * MB))
            elif cmd == "free":
                held.clear()
            elif cmd == "spawn":
                child = subprocess.Popen(
                    [sys.executable, __file__],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    text=True,
                )
                assert child.stdout is not None and child.stdin is not None
                child.stdout.readline()
                child.stdin.write(f"alloc {arg[0]}\n")
                child.stdin.flush()
                child.stdout.readline()
                children.append(child)
            elif cmd == "exit":
                break
            print("ok", flush=True)
    finally:
        for child in children:
            child.kill()
            child.wait()


if __name__ == "__main__":
    main()
