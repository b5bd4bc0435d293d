"""The one stderr silencer (model loading and `doctor`): native chatter on fd 2 is
dropped inside, Python's stderr works again after, and it can be switched off."""

from __future__ import annotations

import os
import sys

import pytest

from posturewatch.inputs.native_logs import quiet_native_logs


def test_fd_2_is_silenced_inside_and_restored_after(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POSTUREWATCH_MODEL_LOGS", raising=False)
    print("before", file=sys.stderr)
    with quiet_native_logs():
        os.write(2, b"INFO: Created TensorFlow Lite XNNPACK delegate\n")
    print("after", file=sys.stderr)
    assert capfd.readouterr().err == "before\nafter\n"


@pytest.mark.parametrize(("enabled", "env"), [(False, None), (True, "1")])
def test_off_for_doctor_verbose_or_the_environment(
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    enabled: bool,
    env: str | None,
) -> None:
    if env is None:
        monkeypatch.delenv("POSTUREWATCH_MODEL_LOGS", raising=False)
    else:
        monkeypatch.setenv("POSTUREWATCH_MODEL_LOGS", env)
    with quiet_native_logs(enabled=enabled):
        os.write(2, b"native line\n")
    assert capfd.readouterr().err == "native line\n"


def test_threads_silencing_at_once_always_give_stderr_back(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The model on one thread and an image decoded ahead on another silence fd 2 with
    overlapping spans (the first in leaves first); stderr is ours again after."""
    import threading

    monkeypatch.delenv("POSTUREWATCH_MODEL_LOGS", raising=False)
    second_in, first_out = threading.Event(), threading.Event()

    def second() -> None:
        with quiet_native_logs():
            second_in.set()
            first_out.wait(5)
            os.write(2, b"native chatter\n")

    with quiet_native_logs():
        thread = threading.Thread(target=second)
        thread.start()
        second_in.wait(5)
    first_out.set()
    thread.join(5)
    print("after", file=sys.stderr)
    assert capfd.readouterr().err == "after\n"
