"""Breaks that teach: every packaged routine has a figure of its own that moves, and
the break window's words follow the prompt it was opened for (Qt offscreen)."""

from __future__ import annotations

import itertools
import os
import subprocess
import time

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from posturewatch.core.scheduler import SchedulerSettings, example_prompt
from posturewatch.desktop.break_window import BreakWindow, prompt_from_json
from posturewatch.desktop.figures import AnimatedFigure, figure_image
from posturewatch.inputs.routines_file import load_routines
from posturewatch.notifiers.show_me import break_window_argv
from tests.paths import REPO

ROUTINES = load_routines()


def _differs(a: QImage, b: QImage) -> int:
    """How many pixels differ between two frames of the same size."""
    points = itertools.product(range(0, a.width(), 2), range(0, a.height(), 2))
    return sum(a.pixel(x, y) != b.pixel(x, y) for x, y in points)


def test_every_routine_has_a_figure_of_its_own(qapp) -> None:  # type: ignore[no-untyped-def]
    """Frames of any two routines differ, at every point of their loops."""
    frames = {r.id: [figure_image(r.id, r.kind, phase, 96, 96) for phase in (0.0, 0.5)]
              for r in ROUTINES}  # fmt: skip
    for (a, fa), (b, fb) in itertools.combinations(frames.items(), 2):
        for x, y in itertools.product(fa, fb):
            assert _differs(x, y) > 40, f"{a} looks like {b}"


def test_every_figure_moves(qapp) -> None:  # type: ignore[no-untyped-def]
    for routine in ROUTINES:
        frames = [figure_image(routine.id, routine.kind, p, 96, 96) for p in (0.0, 0.25, 0.5)]
        assert max(_differs(frames[0], f) for f in frames[1:]) > 20, routine.id


def test_the_break_window_figure_animates_while_shown(qtbot) -> None:  # type: ignore[no-untyped-def]
    figure = AnimatedFigure("shoulder-rolls", "exercise", 120)
    qtbot.addWidget(figure)
    figure.show()
    first = figure.grab().toImage()
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and not _differs(first, figure.grab().toImage()):
        qtbot.wait(50)
    assert _differs(first, figure.grab().toImage()) > 20


def _texts(window: BreakWindow) -> str:
    return " ".join(label.text() for label in window.findChildren(QLabel))


def test_a_stand_up_break_window_speaks_of_sitting_not_of_the_head(qtbot) -> None:  # type: ignore[no-untyped-def]
    for routine in ROUTINES:
        window = BreakWindow(example_prompt(routine, SchedulerSettings(), time.time()))
        qtbot.addWidget(window)
        text = _texts(window)
        if "long_sitting" in routine.targets:
            assert "Seated for 50 minutes" in text and "head" not in text.lower()
        else:
            assert "Seated" not in text
        assert text.count(routine.title) == 1, text


def test_show_me_passes_the_whole_prompt_to_the_break_window_process() -> None:
    routine = ROUTINES[0]
    prompt = example_prompt(routine, SchedulerSettings(), 1000.0)
    argv = break_window_argv(prompt)
    assert argv[1:3] == ["-m", "posturewatch.desktop.break_window"]
    assert prompt_from_json(argv[3]) == prompt


def test_the_break_window_process_opens_and_waits_for_an_answer() -> None:
    """What Show me starts from a command-line run: the window comes up (offscreen
    here) and stays until answered, printing nothing before that."""
    prompt = example_prompt(ROUTINES[-1], SchedulerSettings(), 1000.0)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        break_window_argv(prompt), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, env=env, cwd=REPO,
    )  # fmt: skip
    try:
        with pytest.raises(subprocess.TimeoutExpired):
            process.wait(timeout=4)
    finally:
        process.terminate()
        out, err = process.communicate(timeout=10)
    assert out == "" and "Traceback" not in err, err
