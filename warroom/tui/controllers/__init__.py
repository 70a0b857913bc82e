"""What the war room does, in small objects the screen builds and routes to.

Each controller's constructor names exactly what it uses (an `Operations`, the playbook,
a way to read the incident on screen, a callback to notify...), so a reader and the type
checker can follow it, and a test can build one without a screen:

- `base`: the pieces every controller shares (the write protocol, the press-again guard).
- `live`: loading the incident and following the database (the live feed).
- `entry`: what the entry line submits (typed requests: log, amend, strike, answer, search).
- `incident`: severity, phase, pin and resolve.
- `practice`: containment, mitigation, temporary fixes and red-flag decisions.
- `comms`: copying documents, roles, the handoff and the postmortem's offer.
"""
