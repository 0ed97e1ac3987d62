"""The process layer: every process PerfGate starts is one it can prove is its own
and is gone after any way out of the run.

- `reaper`: the watchdog process that spawns gateways and kills their trees;
- `reaper_client`: the runner's side of it;
- `registry`, `statedir`: what a dead reaper left behind, in a private state dir;
- `proctree`: process identity (pid + start time), trees, pidfd signals;
- `lifeline`: parent-death signal and child-subreaper for spawned processes;
- `workerproc`: load worker processes (spawn, socket pair, reap);
- `cleanup`: the `perfgate cleanup` command.
"""
