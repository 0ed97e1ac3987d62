"""Baselines, regression verdicts, run history and trends.

`workflow` holds what the BaselineLibrary keywords do; `decision` the
statistics of one metric; `store` and `history` the files; `trends` the
`perfgate trends` report.
"""
