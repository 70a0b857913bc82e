"""The screen's writer when the terminal is gone (warroom/tui/output.py): Textual's writer
thread ended on the first failed write and the next 30 writes filled its queue, so the app's
loop waited for ever (a war room whose terminal closed never exited)."""

from __future__ import annotations

import threading

from textual.drivers._writer_thread import WriterThread

from warroom.tui import output


class GoneTerminal:
    """A terminal whose window was closed: every write and flush fails with EIO."""

    def write(self, text: str) -> int:
        raise OSError(5, "Input/output error")

    def flush(self) -> None:
        raise OSError(5, "Input/output error")

    def fileno(self) -> int:
        return -1


def test_writes_to_a_gone_terminal_are_taken_and_dropped_and_the_writer_stops(monkeypatch):
    monkeypatch.setattr(WriterThread, "run", output._run)
    writer = WriterThread(GoneTerminal())  # type: ignore[arg-type]
    writer.start()
    written = threading.Event()

    def draw() -> None:
        for _ in range(10 * 30):  # ten times what the queue holds
            writer.write("\x1b[2J frame")
        written.set()

    threading.Thread(target=draw, daemon=True).start()
    assert written.wait(timeout=30), "a write waited on a full queue"
    writer.stop()  # as the app's shutdown does: returns once the thread has ended
    assert not writer.is_alive()


def test_install_puts_the_workaround_in_textuals_writer(monkeypatch):
    monkeypatch.setattr(WriterThread, "run", WriterThread.run)  # undone after the test
    output.install()
    assert WriterThread.run is output._run


class FlushFails:
    """Writes are taken; the flush, when the queue is empty, fails (a buffered stream)."""

    def __init__(self) -> None:
        self.written: list[str] = []

    def write(self, text: str) -> int:
        self.written.append(text)
        return len(text)

    def flush(self) -> None:
        raise OSError(5, "Input/output error")

    def fileno(self) -> int:
        return -1


def test_a_failing_flush_is_logged_and_stop_still_returns(monkeypatch):
    from warroom.core.locations import data_dir

    monkeypatch.setattr(WriterThread, "run", output._run)
    terminal = FlushFails()
    writer = WriterThread(terminal)  # type: ignore[arg-type]
    writer.start()
    writer.write("first frame")
    stopped = threading.Event()
    threading.Thread(target=lambda: (writer.stop(), stopped.set()), daemon=True).start()
    assert stopped.wait(timeout=30), "stop() waited for ever"
    assert terminal.written == ["first frame"]
    assert "drawing the screen" in (data_dir() / "warroom.log").read_text()
