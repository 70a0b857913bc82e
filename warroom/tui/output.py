"""The screen's output when the terminal is gone: a workaround for Textual 8.2.8's writer thread.

Textual draws through a thread (textual/drivers/_writer_thread.py) that takes text from a queue
of 30 and writes it to the terminal. When the terminal is gone (its window closed, an SSH
session dropped) the first write raises OSError (EIO) and the thread ends; the queue then
fills, and the next write waits on it for ever: the app's loop stops there. A war room left
so (found after a team walk: two of them were still running half an hour after their tmux
sessions were killed, stuck in the shutdown that follows saving on SIGHUP) never exits, and
one stuck before the SIGHUP arrives cannot even save what was typed.

`install()` makes the thread, once its terminal fails, go on taking what is queued and drop
it: nothing waits on a full queue, SIGHUP's save-then-exit (warroom.tui.unsaved) runs to the
end, and the process ends. `warroom.tui.app.run` calls it. Remove it when Textual's writer
thread survives a write that fails.
"""

from __future__ import annotations

from textual.drivers._writer_thread import WriterThread

_textual_run = WriterThread.run


def _run(self: WriterThread) -> None:
    try:
        _textual_run(self)
    except OSError:  # the terminal is gone: take the rest and drop it, until told to stop
        while self._queue.get() is not None:
            pass


def install() -> None:
    WriterThread.run = _run  # type: ignore[method-assign]
