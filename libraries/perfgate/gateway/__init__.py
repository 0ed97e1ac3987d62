"""Gateways under test: `manager` starts, watches and stops them through the
reaper; `health` polls their health URL; `ports` finds free ports.
"""
