"""A process of its own for drawing a command's report, forked when the command starts.

A report needs matplotlib imported, its fonts loaded and the map drawn (together about a
second of one core) before the figures of the results can be drawn at all. While a command
starts (imports, reading the scenario) it uses one core, and so does the end of a run, when
fewer replications are left than workers. A :class:`Drawer` forked first does the report's
head start in those gaps, at low priority (``nice``) so that it does not take the cores from
the replications; it draws the figures of the results as soon as they exist, while the
command writes its tables, and writes the report into the results folder when asked. Only
that last step writes files: a drawer stopped before it leaves nothing behind.

Only where processes can be forked and no other thread runs (:func:`can_fork`); elsewhere
:func:`drawer` gives ``None`` and the report is drawn in the command's process. This module
imports no plotting library: the command's process never needs one.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = [
    "Drawer",
    "DrawerGone",
    "can_fork",
    "draw_ahead",
    "drawer",
    "prerender_map",
    "report_of",
    "write_ahead",
]

NICE = 19
"""How much lower the drawer's priority is than the command's (and its replications'): the
lowest, so that it runs on what they leave idle."""


class DrawerGone(RuntimeError):
    """The drawing process ended before it answered (killed, or out of memory)."""


class Drawer:
    """Runs functions, in the order given, in a process forked when it is made."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("fork")
        self._conn, theirs = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(theirs, self._conn), name="countysim-drawer"
        )
        self._process.start()
        theirs.close()

    def start(self, fn: Callable[..., object], *args: Any, optional: bool = False) -> None:
        """Have ``fn(*args)`` run there and go on: a head start, whose errors are left to
        the call that needs its work (a drawer that cannot be given the work is stopped:
        calls then raise :class:`DrawerGone`). An ``optional`` one is skipped if, by the
        time the drawer comes to it, more work is waiting (what it would have prepared is
        then done with that work, in parallel)."""
        try:
            self._send(fn, args, "optional" if optional else "start")
        except DrawerGone:
            pass

    def __call__(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` run there, after what was started before: its result, or its
        exception raised here; :class:`DrawerGone` if the drawer has gone."""
        try:
            self._send(fn, args, "call")
            ok, value = self._conn.recv()
        except (EOFError, OSError):
            self.close(now=True)
            raise DrawerGone("the drawing process has gone") from None
        except BaseException:  # interrupted: nothing may go on writing into the folder
            self.close(now=True)
            raise
        if ok:
            return value
        raise value

    def _send(self, fn: Callable[..., object], args: tuple, kind: str) -> None:
        try:
            self._conn.send((fn, args, kind))
        except Exception:  # noqa: BLE001 - gone, closed, or work that cannot be sent
            self.close(now=True)
            raise DrawerGone("the drawing process cannot be given its work") from None

    def close(self, now: bool = False) -> None:
        """Let the drawer finish what it was given and stop (within seconds: all it was
        given has been waited for by then), or with ``now`` stop it at once (the processes
        rendering its figures write no files and end when they find it gone)."""
        self._conn.close()  # the drawer reads the end of its work
        self._process.join(0 if now else 10)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()


def can_fork() -> bool:
    """Whether this process may fork helpers: the platform forks and no other thread runs."""
    return threading.active_count() == 1 and "fork" in multiprocessing.get_all_start_methods()


@contextmanager
def drawer(wanted: bool) -> Iterator[Drawer | None]:
    """A :class:`Drawer` that has started to import the plotting (``None`` when
    not ``wanted``, on one core, or where it cannot fork); stopped on leaving, at once if
    the command failed."""
    if not (wanted and (os.cpu_count() or 1) > 1 and can_fork()):
        yield None
        return
    helper = Drawer()
    try:
        helper.start(_import_report, optional=True)
        yield helper
    except BaseException:
        helper.close(now=True)
        raise
    helper.close()


def _import_report() -> None:
    import sim.report  # noqa: F401 - matplotlib and the rest: half a second


def prerender_map(scenarios: dict, lang: str) -> None:
    """Draw the report's map of ``scenarios`` now (it needs no results): see
    :func:`sim.plots.prerender`."""
    from sim import plots, report

    figure = report.map_figure(scenarios, lang)
    plots.prerender(figure.key, figure.figure)


_AHEAD: list[tuple[bool, Any]] = []
"""In the drawer: the report drawn ahead of its folder, or the error that stopped it."""


def report_of(what: str, lang: str, *data: Any) -> Any:
    """The :class:`sim.report.Report` of a run (``what="run"``, ``data``: its results) or of
    a comparison (``"comparison"``: the results of each scenario, the table of
    differences), in ``lang``, not yet drawn. (Named by a word, not passed as a function:
    the command would have to import the report, and matplotlib with it, to send one.)"""
    from sim import report

    build = {"run": report.run_report, "comparison": report.comparison_report}[what]
    return build(*data, lang)


def draw_ahead(what: str, lang: str, svg: bool, *data: Any) -> None:
    """In the drawer, as soon as the results exist (while the command writes its tables):
    build and draw the report (:func:`report_of`) for :func:`write_ahead`."""
    try:
        _AHEAD[:] = [(True, report_of(what, lang, *data).draw(svg))]
    except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - raised by write_ahead
        _AHEAD[:] = [(False, exc)]


def write_ahead(folder: Path) -> Path:
    """In the drawer: write the report :func:`draw_ahead` drew into ``folder`` (or raise
    what stopped it); return the HTML path."""
    ok, value = _AHEAD.pop()
    if not ok:
        raise value
    return value.write(folder)


def _serve(conn: Any, theirs: Any) -> None:
    theirs.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's to handle
    try:
        os.nice(NICE)
    except OSError:  # pragma: no cover - not allowed here: run at the same priority
        pass
    while True:
        try:
            fn, args, kind = conn.recv()
        except EOFError:  # the command has finished, or failed
            return
        if kind == "optional" and conn.poll():
            continue
        try:
            value = (True, fn(*args))
        except (Exception, KeyboardInterrupt) as exc:  # noqa: BLE001 - the caller's, or left
            value = (False, exc)
        if kind == "call":
            try:
                conn.send(value)
            except Exception:  # noqa: BLE001 - a result or error that cannot be sent
                conn.send((False, RuntimeError(f"drawing the report failed: {value[1]!r}")))
