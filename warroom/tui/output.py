"""The screen's output when the terminal is gone: a workaround for Textual 8.2.8's writer thread.

Textual draws through a thread (textual/drivers/_writer_thread.py) that takes text from a queue
of 30 and writes it to the terminal. When the terminal is gone (its window closed, an SSH
session dropped) the first write raises OSError (EIO) and the thread ends; the queue then
fills, and the next write waits on it for ever: the app's loop stops there. A war room left
so (found after a team walk: two of them were still running half an hour after their tmux
sessions were killed, stuck in the shutdown that follows saving on SIGHUP) never exits, and
one stuck before the SIGHUP arrives cannot even save what was typed.

`install()` gives the thread Textual's loop with one change: once its terminal fails (the
failure logged once), it goes on taking what is queued and drops it: nothing waits on a full
queue, a flush that fails at the end does not strand `stop()`, SIGHUP's save-then-exit (warroom.tui.unsaved) runs to the
end, and the process ends. `warroom.tui.app.run` calls it. Remove it when Textual's writer
thread survives a write that fails.
"""

from __future__ import annotations

from textual.drivers._writer_thread import WriterThread

from warroom.core.errorlog import report


def _run(self: WriterThread) -> None:
    """Textual's loop (take, write, flush when the queue is empty), with writes dropped once the
    terminal has failed; ends at the None that `stop()` puts."""
    gone = False
    while (text := self._queue.get()) is not None:
        if gone:
            continue
        try:
            self._file.write(text)
            if self._queue.qsize() == 0:
                self._file.flush()
        except OSError as exc:  # the terminal is gone (EIO): drop the rest, so no write waits
            gone = True
            report(exc, "drawing the screen (the terminal is gone?)")
    if not gone:
        try:
            self._file.flush()
        except OSError as exc:
            report(exc, "drawing the screen (the terminal is gone?)")


def install() -> None:
    WriterThread.run = _run  # type: ignore[method-assign]
