"""The break window: a routine's steps with a figure, a timer for the holds, its
safety notes, and Done / Snooze 15 min / 1 h / rest of the day / Skip, and on a
posture prompt Not slouching (a false alarm the thresholds learn from)."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from posturewatch.core.types import Prompt
from posturewatch.desktop.drawing import routine_picture
from posturewatch.desktop.window import AppWindow

ANSWERS: tuple[tuple[str, str], ...] = (
    ("done", "Done"),
    ("snooze_15m", "Snooze 15 min"),
    ("snooze_1h", "Snooze 1 h"),
    ("snooze_day", "Rest of the day"),
    ("skipped", "Skip"),
)
"""Answer kind (what the store records) and button label."""
POSTURE_ANSWERS: tuple[tuple[str, str], ...] = (*ANSWERS, ("not_slouching", "Not slouching"))


def timer_text(remaining_s: int) -> str:
    minutes, seconds = divmod(max(0, remaining_s), 60)
    return f"{minutes}:{seconds:02d}"


class BreakWindow(AppWindow):
    """Shows one prompt; `answered(kind)` once a button is pressed, then it closes.
    Closing it without a button is no answer: the prompt stays open and expires."""

    answered = Signal(str)

    def __init__(self, prompt: Prompt, parent: QWidget | None = None) -> None:
        super().__init__(f"posturewatch: {prompt.routine.title}", parent)
        self.prompt = prompt
        routine = prompt.routine
        self.setObjectName("break-window")

        title = QLabel(f"<h2>{prompt.title}</h2>")
        title.setWordWrap(True)
        body = QLabel(prompt.body)
        body.setWordWrap(True)

        picture = QLabel()
        picture.setPixmap(routine_picture(routine.kind, 200, 200))
        picture.setAccessibleName(f"figure: {routine.kind.replace('_', ' ')}")
        steps = QLabel(
            f"<b>{routine.title}</b><ol>"
            + "".join(f"<li>{step}</li>" for step in routine.steps)
            + "</ol>"
        )
        steps.setWordWrap(True)
        steps.setTextFormat(Qt.TextFormat.RichText)
        row = QHBoxLayout()
        row.addWidget(picture, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(steps, 1)

        self.hold_s = max(1, int(routine.duration_s))
        self.remaining_s = self.hold_s
        self.timer_label = QLabel(timer_text(self.remaining_s))
        self.timer_label.setObjectName("timer")
        font = self.timer_label.font()
        font.setPointSize(font.pointSize() * 2)
        self.timer_label.setFont(font)
        self.start_button = QPushButton("Start timer")
        self.start_button.clicked.connect(self.toggle_timer)
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        timer_row = QHBoxLayout()
        timer_row.addWidget(QLabel("Timer for the whole routine:"))
        timer_row.addWidget(self.timer_label)
        timer_row.addWidget(self.start_button)
        timer_row.addStretch(1)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(body)
        layout.addLayout(row)
        layout.addLayout(timer_row)
        if routine.safety:
            safety = QGroupBox("Safety")
            inner = QVBoxLayout(safety)
            for note in routine.safety:
                label = QLabel(f"• {note}")
                label.setWordWrap(True)
                inner.addWidget(label)
            layout.addWidget(safety)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for kind, text in POSTURE_ANSWERS if prompt.kind == "posture" else ANSWERS:
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, k=kind: self.answer(k))
            buttons.addWidget(button)
            self.buttons[kind] = button
        self.buttons["done"].setDefault(True)
        layout.addLayout(buttons)
        self.resize(620, self.sizeHint().height())

    def toggle_timer(self) -> None:
        if self._tick.isActive():
            self._tick.stop()
            self.start_button.setText("Go on")
            return
        if self.remaining_s <= 0:
            self.remaining_s = self.hold_s
        self._tick.start()
        self.start_button.setText("Pause timer")
        self.timer_label.setText(timer_text(self.remaining_s))

    def _on_tick(self) -> None:
        self.remaining_s -= 1
        self.timer_label.setText(timer_text(self.remaining_s))
        if self.remaining_s <= 0:
            self._tick.stop()
            self.timer_label.setText("well done")
            self.start_button.setText("Again")
            self.buttons["done"].setFocus()

    def answer(self, kind: str) -> None:
        self._tick.stop()
        self.answered.emit(kind)
        self.close()
