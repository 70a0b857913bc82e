"""Team sync: a warroom file and the team's PostgreSQL (optional extra `warroom[team]`).

Nothing in warroom.core imports this package, and `warroom log` never loads it.

- config.py: which server (`--server`, `WARROOM_SERVER`, `server` in config.toml) and
  `redact()`, through which every message showing a URL goes.
- server.py: warroom's schema on the server (versioned; created, upgraded or refused), push
  (batches under an advisory lock, so server_seq order is commit order) and pull.
- engine.py: `SyncEngine(db_path, url, on_status=...)`: `await engine.once()` for one round,
  `await engine.follow()` to stay live until `engine.stop()`; `engine.nudge()` after a local
  write pushes it at once; `engine.status.line()` is the header's text (`team: live`,
  `team: offline since 14:32, 12 to send`, or one line of error). The file is used from a
  worker thread of the engine's own, in short transactions: the screen's loop never waits on it.
- command.py: `warroom sync [--server URL] [--once]`.

In the war room (the TUI's side, not here), roughly:

    engine = SyncEngine(path, url, on_status=lambda s: header.update_team(s.line()))
    task = asyncio.create_task(engine.follow())   # on mount
    engine.nudge()                                 # after each committed write (optional)
    engine.stop(); await task                      # on exit
"""
