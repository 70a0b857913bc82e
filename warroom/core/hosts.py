"""How a file's host id (`laptop-a~k3f9`: the machine's name and four random characters) is shown.

People know their laptops by name: the suffix is left off unless two files of the incident share
the machine name (two war rooms on one laptop), where only the whole id tells them apart.
Stdlib only."""

from __future__ import annotations

from collections.abc import Iterable


def host_name(host: str, hosts: Iterable[str] = ()) -> str:
    """`laptop-a~k3f9` as `laptop-a`, or whole when another of `hosts` has the same machine name."""
    name, sep, _ = host.partition("~")
    if not sep or not name:
        return host
    if any(other != host and other.partition("~")[0] == name for other in hosts):
        return host
    return name


def by_whom(author: str, host: str, hosts: Iterable[str] = ()) -> str:
    """`dana on laptop-a` (just `dana` when the event has no host: written before hosts existed)."""
    return f"{author} on {host_name(host, hosts)}" if host else author
