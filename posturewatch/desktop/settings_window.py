"""The settings window: what people change (sensitivity, break interval, prompt
style, quiet hours, camera, start at login). Saving goes through a callback that
validates with the config loader; a refused value is shown and nothing is saved."""

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

from posturewatch.desktop.settings import SENSITIVITY_STEPS, SettingsForm, nearest_step
from posturewatch.desktop.window import AppWindow

STYLE_LABELS = (("notification", "a notification"), ("window", "the break window"))


class SettingsWindow(AppWindow):
    """`save(form)` returns None when saved, else the reason it was refused."""

    saved = Signal()

    def __init__(
        self,
        form: SettingsForm,
        cameras: Sequence[str],
        save: Callable[[SettingsForm], str | None],
        parent: QWidget | None = None,
        add_setup: Callable[[str], str | None] | None = None,
    ) -> None:
        super().__init__("posturewatch settings", parent)
        self._save = save
        self._add_setup = add_setup

        self.sensitivity = QSlider(Qt.Orientation.Horizontal)
        self.sensitivity.setRange(0, len(SENSITIVITY_STEPS) - 1)
        self.sensitivity.setPageStep(1)
        self.sensitivity.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.sensitivity_label = QLabel()
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
        self.camera.setEditable(True)
        for name in dict.fromkeys([form.camera, *cameras]):
            self.camera.addItem(name)
        self.camera.setCurrentText(form.camera)

        self.login = QCheckBox("start posturewatch when I log in")
        self.login.setChecked(form.start_at_login)

        grid = QFormLayout()
        grid.addRow("Sensitivity", sens_row)
        grid.addRow("", self.sensitivity_label)
        grid.addRow("Suggest a break after sitting", self.break_after)
        grid.addRow("Show prompts as", self.prompt_style)
        grid.addRow("Quiet hours", quiet_row)
        grid.addRow("Camera", self.camera)
        grid.addRow("", self.login)
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

        self.error = QLabel()
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b42318;")
        self.error.hide()
        save_button = QPushButton("Save")
        save_button.setDefault(True)
        save_button.clicked.connect(self.on_save)
        cancel = QPushButton("Cancel")
        cancel.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(save_button)

        layout = QVBoxLayout(self)
        layout.addLayout(grid)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.resize(520, self.sizeHint().height())

    def _show_sensitivity(self, index: int) -> None:
        factor, label = SENSITIVITY_STEPS[index]
        self.sensitivity_label.setText(
            f"{label}: notices {'smaller' if factor > 1 else 'only larger' if factor < 1 else ''}"
            f"{' ' if factor != 1 else 'the usual '}deviations from your calibrated posture"
        )

    def form(self) -> SettingsForm:
        return SettingsForm(
            sensitivity=SENSITIVITY_STEPS[self.sensitivity.value()][0],
            break_after_min=float(self.break_after.value()),
            prompt_style=str(self.prompt_style.currentData()),
            quiet_hours=self.quiet.text() if self.quiet_on.isChecked() else "",
            camera=self.camera.currentText(),
            start_at_login=self.login.isChecked(),
        )

    def on_add_setup(self) -> None:
        assert self._add_setup is not None
        problem = self._add_setup(self.setup_name.text().strip())
        if problem:
            self.error.setText(f"Not added: {problem}")
            self.error.show()
            return
        self.error.hide()

    def on_save(self) -> None:
        problem = self._save(self.form())
        if problem:
            self.error.setText(f"Not saved: {problem}")
            self.error.show()
            return
        self.error.hide()
        self.saved.emit()
        self.close()
