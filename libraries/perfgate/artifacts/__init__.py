"""What PerfGate writes beside log.html: where (`paths`), how (`atomic`: whole-file
replacement that survives a kill, locked journals), and what never reaches a file
or a log (`redact`: secrets in URLs, headers, argv and environments).
"""
