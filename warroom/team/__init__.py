"""Team sync: a warroom file and the team's PostgreSQL (optional extra `warroom[team]`).

Nothing in warroom.core imports this package, and `warroom log` never loads it.
"""
