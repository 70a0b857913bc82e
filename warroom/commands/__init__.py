"""The shell commands' bodies; warroom.cli parses the command line and calls one of them.

log.py (the fast path: stdlib only), declare.py (declare, set, resolve), reports.py (list,
doc, export, actions, stats), room.py (the war room itself, the demo, the team sync), and
common.py (what several of them share). Each imports only what its command uses.
"""
