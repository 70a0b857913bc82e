"""Errors we expect and explain to the user in one line (never as a traceback)."""


class WarroomError(Exception):
    """A failure with a message written for the commander, not for a developer."""


class DatabaseError(WarroomError):
    """The database file cannot be used: not SQLite, corrupt, too new, read-only, locked."""


class PlaybookError(WarroomError):
    """The playbook file is malformed; the message names the file and the field."""


class InputError(WarroomError):
    """Text or a time the user gave cannot be taken as it is."""


class UsageError(WarroomError):
    """A malformed command-line argument (the CLI exits 2 for it, as for argparse's own)."""
