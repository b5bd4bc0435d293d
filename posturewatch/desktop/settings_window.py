"""The settings window: what people change (sensitivity, break interval, prompt
style, quiet hours, meeting mode, camera, start at login). Saving goes through a callback that
validates with the config loader; a refused value is shown and nothing is saved;
a save is confirmed in the window, which stays open until closed."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from posturewatch.desktop import style
from posturewatch.desktop.settings import (
    MEETING_SIGNALS,
    SENSITIVITY_STEPS,
    SaveOutcome,
    SettingsForm,
    nearest_step,
)
from posturewatch.desktop.window import AppWindow

STYLE_LABELS = (("notification", "a notification"), ("window", "the break window"))
SENSITIVITY_WORDS = {
    "very relaxed": "only large, lasting slouches count.",
    "relaxed": "only clear slouches count.",
    "standard": "the usual deviations from your calibrated posture count.",
    "strict": "smaller deviations count too.",
    "very strict": "even small deviations count.",
}
"""A sentence for each SENSITIVITY_STEPS label."""


class SettingsWindow(AppWindow):
    """`save(form)` says whether it was saved and what to tell the user.
    `cameras`: (device as [camera] device holds it, label to show)."""

    saved = Signal()

    def __init__(
        self,
        form: SettingsForm,
        cameras: Sequence[tuple[str, str]],
        save: Callable[[SettingsForm], SaveOutcome],
        parent: QWidget | None = None,
        add_setup: Callable[[str], str | None] | None = None,
        learned: str = "",
        reset_learned: Callable[[], str] | None = None,
    ) -> None:
        super().__init__("posturewatch settings", parent)
        self._save = save
        self._add_setup = add_setup
        self._reset_learned = reset_learned

        self.sensitivity = QSlider(Qt.Orientation.Horizontal)
        self.sensitivity.setRange(0, len(SENSITIVITY_STEPS) - 1)
        self.sensitivity.setPageStep(1)
        self.sensitivity.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.sensitivity_label = QLabel()
        self.sensitivity_label.setWordWrap(True)
        self.sensitivity_label.setObjectName("hint")
        # The longest of the texts sets the height once: the window never grows.
        self.sensitivity_label.setMinimumHeight(
            2 * self.sensitivity_label.fontMetrics().lineSpacing()
        )
        self.sensitivity.valueChanged.connect(self._show_sensitivity)
        self.sensitivity.setValue(nearest_step(form.sensitivity))
        self._show_sensitivity(self.sensitivity.value())
        sens_row = QHBoxLayout()
        sens_row.addWidget(QLabel("relaxed"))
        sens_row.addWidget(self.sensitivity, 1)
        sens_row.addWidget(QLabel("strict"))

        self.break_after = QSpinBox()
        self.break_after.setRange(1, 600)  # the loader decides what is sensible
        self.break_after.setSuffix(" min")
        self.break_after.setValue(round(form.break_after_min))

        self.heads_up = QCheckBox("tell me a minute before a break")
        self.heads_up.setChecked(form.break_heads_up)

        # Meeting mode: the whole, then each signal (meeting/signals.py), which
        # counts only while the whole is on.
        self.meeting = QCheckBox("hold prompts while I seem to be in a meeting")
        self.meeting.setChecked(form.meeting)
        self.meeting_signals: dict[str, QCheckBox] = {}
        meeting_box = QVBoxLayout()
        meeting_box.setSpacing(style.SPACING // 2)
        meeting_box.addWidget(self.meeting)
        for key, words in MEETING_SIGNALS:
            box = QCheckBox(words)
            box.setChecked(key in form.meeting_signals)
            box.setEnabled(form.meeting)
            self.meeting.toggled.connect(box.setEnabled)
            self.meeting_signals[key] = box
            row = QHBoxLayout()
            row.addSpacing(style.SPACING * 2)
            row.addWidget(box, 1)
            meeting_box.addLayout(row)

        self.prompt_style = QComboBox()
        for key, label in STYLE_LABELS:
            self.prompt_style.addItem(label, key)
        self.prompt_style.setCurrentIndex(max(0, self.prompt_style.findData(form.prompt_style)))

        self.quiet_on = QCheckBox("no prompts during")
        self.quiet = QLineEdit(form.quiet_hours or "18:00-09:00")
        self.quiet.setPlaceholderText("18:00-09:00, 12:30-13:30")
        self.quiet_on.setChecked(bool(form.quiet_hours))
        self.quiet.setEnabled(bool(form.quiet_hours))
        self.quiet_on.toggled.connect(self.quiet.setEnabled)
        quiet_row = QHBoxLayout()
        quiet_row.addWidget(self.quiet_on)
        quiet_row.addWidget(self.quiet, 1)

        self.camera = QComboBox()
        for device, label in cameras:
            self.camera.addItem(label, device)
        if self.camera.findData(form.camera) < 0:
            self.camera.addItem(f"camera {form.camera} (not found now)", form.camera)
        self.camera.setCurrentIndex(self.camera.findData(form.camera))

        self.login = QCheckBox("start posturewatch when I log in")
        self.login.setChecked(form.start_at_login)

        grid = QFormLayout()
        grid.addRow("Sensitivity", sens_row)
        grid.addRow("", self.sensitivity_label)
        grid.addRow("Suggest a break after sitting", self.break_after)
        grid.addRow("", self.heads_up)
        grid.addRow("Show prompts as", self.prompt_style)
        grid.addRow("Quiet hours", quiet_row)
        grid.addRow("Quiet in meetings", meeting_box)
        grid.addRow("Camera", self.camera)
        grid.addRow("", self.login)
        # What "Not slouching" and "I'm slouching now" taught (core/learning.py).
        self.learned = QLabel(learned or "as calibrated")
        self.learned.setObjectName("learned")
        self.learned.setWordWrap(True)
        self.reset_learned = QPushButton("Reset")
        self.reset_learned.setToolTip("Forget what was learned: back to the calibrated thresholds")
        self.reset_learned.setEnabled(reset_learned is not None and learned.startswith("adjusted"))
        self.reset_learned.clicked.connect(self.on_reset_learned)
        learned_row = QHBoxLayout()
        learned_row.addWidget(self.learned, 1)
        learned_row.addWidget(self.reset_learned)
        grid.addRow("Learned from your answers", learned_row)
        if add_setup is not None:  # another desk, the laptop, a second monitor
            self.setup_name = QLineEdit()
            self.setup_name.setPlaceholderText("laptop, standing desk, monitor2")
            add = QPushButton("Add this setup")
            add.setToolTip(
                "Calibrate where you sit now as a named setup; posturewatch "
                "switches to it whenever you sit this way"
            )
            add.clicked.connect(self.on_add_setup)
            setup_row = QHBoxLayout()
            setup_row.addWidget(self.setup_name, 1)
            setup_row.addWidget(add)
            grid.addRow("Setups", setup_row)

        grid.setHorizontalSpacing(style.SPACING * 2)
        grid.setVerticalSpacing(style.SPACING)

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.hide()
        self.confirmation = QLabel()
        self.confirmation.setObjectName("confirmation")
        self.confirmation.setWordWrap(True)
        self.confirmation.hide()
        self.save_button = QPushButton("&Save")
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.on_save)
        self.close_button = QPushButton("Cancel")
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.save_button)

        layout = QVBoxLayout(self)
        style.page_margins(layout)
        layout.addWidget(style.heading("Settings"))
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addWidget(self.confirmation)
        layout.addStretch(1)
        layout.addLayout(buttons)
        self.resize(560, self.sizeHint().height())

    def _show_sensitivity(self, index: int) -> None:
        factor, label = SENSITIVITY_STEPS[index]
        words = SENSITIVITY_WORDS.get(label, f"thresholds divided by {factor:g}.")
        self.sensitivity_label.setText(f"{label.capitalize()}: {words}")

    def form(self) -> SettingsForm:
        return SettingsForm(
            sensitivity=SENSITIVITY_STEPS[self.sensitivity.value()][0],
            break_after_min=float(self.break_after.value()),
            prompt_style=str(self.prompt_style.currentData()),
            quiet_hours=self.quiet.text() if self.quiet_on.isChecked() else "",
            camera=str(self.camera.currentData()),
            start_at_login=self.login.isChecked(),
            break_heads_up=self.heads_up.isChecked(),
            meeting=self.meeting.isChecked(),
            meeting_signals=frozenset(
                key for key, box in self.meeting_signals.items() if box.isChecked()
            ),
        )

    def on_reset_learned(self) -> None:
        if self._reset_learned is not None:
            self.learned.setText(self._reset_learned())
        self.reset_learned.setEnabled(False)

    def on_add_setup(self) -> None:
        assert self._add_setup is not None
        problem = self._add_setup(self.setup_name.text().strip())
        if problem:
            self.error.setText(f"Not added: {problem}")
            self.error.show()
            return
        self.error.hide()

    def on_save(self) -> None:
        outcome = self._save(self.form())
        if not outcome.ok:
            self.confirmation.hide()
            self.error.setText(f"Not saved: {outcome.message}")
            self.error.show()
            return
        self.error.hide()
        self.confirmation.setText(outcome.message)
        self.confirmation.show()
        self.close_button.setText("Close")
        self.saved.emit()
