"""Notifier logic that needs no desktop: settings, the console lines, the fallback
chain, backend selection, and the command lines of the backends that only run on
macOS and Windows (built here, run there)."""

from __future__ import annotations

import base64
import io
import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest

from posturewatch.core.errors import UserError
from posturewatch.core.settings import ConfigError, from_table
from posturewatch.core.types import Prompt, PromptAnswer, Routine
from posturewatch.notifiers import (
    BACKEND_NAMES,
    FallbackNotifier,
    Notifier,
    NotifierError,
    NotifierSettings,
    make_notifier,
    platform_chain,
)
from posturewatch.notifiers.console import ConsoleNotifier
from posturewatch.notifiers.dbus import (
    DbusNotifier,
    answer_for_signal,
    expire_timeout_ms,
    notify_actions,
    session_bus_address,
)
from posturewatch.notifiers.notify_send import NotifySendNotifier, notify_send_command
from posturewatch.notifiers.osascript import OsascriptNotifier, osascript_command
from posturewatch.notifiers.powershell import (
    PowershellNotifier,
    powershell_command,
    toast_environment,
)

ROUTINE = Routine(
    id="doorway_stretch",
    title="Doorway chest stretch",
    targets=("shoulder_rounding",),
    duration_s=90,
    steps=("Forearms on the door frame.", "Step through until the chest opens."),
)


def make_prompt(n: int = 1, *, time_s: float = 1_000.0, level: int = 0, title: str = "") -> Prompt:
    return Prompt(
        id=f"prompt-{n}",
        time_s=time_s,
        kind="break",
        routine=ROUTINE,
        title=title or f"Time for a stretch ({n})",
        body='Shoulders rounded for 20 min. "Open up" \\ 90 s.',
        level=level,
    )


# -- settings ----------------------------------------------------------------------------


def test_settings_defaults_are_valid_and_modest() -> None:
    settings = NotifierSettings()
    assert settings.backend == "auto"
    assert settings.urgency_for(make_prompt(level=1)) != "critical"


@pytest.mark.parametrize(
    ("key", "value"),
    [("timeout_s", -1.0), ("timeout_s", 7200.0), ("backend", "pigeon"), ("urgency", "loud")],
)
def test_settings_reject_out_of_range_values(key: str, value: Any) -> None:
    with pytest.raises(ValueError, match=key):
        NotifierSettings(**{key: value})


def test_config_table_with_a_bad_backend_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"notifications\.backend"):
        from_table(NotifierSettings, {"backend": "pigeon"}, "config.toml: notifications")


def test_escalated_prompts_use_the_escalated_urgency() -> None:
    settings = NotifierSettings(urgency="low", escalated_urgency="critical")
    assert settings.urgency_for(make_prompt(level=0)) == "low"
    assert settings.urgency_for(make_prompt(level=1)) == "critical"


# -- console -------------------------------------------------------------------------------


class FlushCounter(io.StringIO):
    flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_console_prints_one_json_line_per_prompt_in_session_time() -> None:
    out = FlushCounter()
    console = ConsoleNotifier(origin_s=900.0, stream=out)
    console.show(make_prompt(1, time_s=1_000.0))
    assert out.flushes == 1  # a reader of a pipe sees the prompt at once
    console.show(make_prompt(2, time_s=1_012.5, level=1))
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines == [
        {
            "time_s": 100.0,
            "kind": "break",
            "routine": "doorway_stretch",
            "title": "Time for a stretch (1)",
            "level": 0,
            "id": "prompt-1",
        },
        {
            "time_s": 112.5,
            "kind": "break",
            "routine": "doorway_stretch",
            "title": "Time for a stretch (2)",
            "level": 1,
            "id": "prompt-2",
        },
    ]


def test_console_does_not_repeat_a_prompt(capsys: pytest.CaptureFixture[str]) -> None:
    console = ConsoleNotifier(origin_s=0.0)
    prompt = make_prompt(1)
    console.show(prompt)
    console.show(prompt)
    assert len(capsys.readouterr().out.splitlines()) == 1
    assert console.poll_answers() == []


# -- the fallback chain ----------------------------------------------------------------------


class FakeBackend(Notifier):
    """A backend whose behaviour the test sets; the chain is what is under test."""

    def __init__(self, name: str, fail: bool = False, works: bool = True) -> None:
        self.name = name  # type: ignore[misc]
        self.fail = fail
        self.works = works
        self.shown: list[str] = []
        self.attempts = 0
        self.answers: list[PromptAnswer] = []
        self.closed = False

    def _show(self, prompt: Prompt) -> None:
        self.attempts += 1
        if self.fail:
            raise NotifierError(f"{self.name} is broken")
        self.shown.append(prompt.id)

    def poll_answers(self) -> list[PromptAnswer]:
        if self.fail:
            raise NotifierError(f"{self.name} is broken")
        answers, self.answers = self.answers, []
        return answers

    def close(self) -> None:
        self.closed = True

    def available(self) -> tuple[bool, str]:
        return self.works, "ok" if self.works else f"install {self.name}"


def warnings_of(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def test_a_failing_backend_is_logged_once_and_the_next_takes_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken, spare = FakeBackend("broken", fail=True), FakeBackend("spare")
    chain = FallbackNotifier([broken, spare])
    with caplog.at_level(logging.WARNING):
        for n in range(1, 4):
            chain.show(make_prompt(n))
    assert spare.shown == ["prompt-1", "prompt-2", "prompt-3"]  # including the failed one
    assert broken.attempts == 1
    assert broken.closed
    assert chain.name == "spare"
    assert len(warnings_of(caplog)) == 1
    assert "broken" in warnings_of(caplog)[0]


def test_an_unavailable_backend_is_passed_over_quietly_without_trying_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    absent, spare = FakeBackend("absent", works=False), FakeBackend("spare")
    chain = FallbackNotifier([absent, spare])
    with caplog.at_level(logging.INFO):
        chain.show(make_prompt(1))
        chain.show(make_prompt(2))
    assert absent.attempts == 0
    assert spare.shown == ["prompt-1", "prompt-2"]
    assert warnings_of(caplog) == []
    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(infos) == 1 and "install absent" in infos[0]


def test_landing_on_the_console_is_said_once_with_every_reason(
    caplog: pytest.LogCaptureFixture,
) -> None:
    desktop = [FakeBackend("dbus", works=False), FakeBackend("plyer", works=False)]
    chain = FallbackNotifier([*desktop, ConsoleNotifier(0.0, io.StringIO())])
    with caplog.at_level(logging.WARNING):
        for n in range(3):
            chain.show(make_prompt(n))
    (warning,) = warnings_of(caplog)
    assert "using console" in warning
    assert "install dbus" in warning and "install plyer" in warning


def test_when_every_backend_fails_the_chain_goes_quiet(caplog: pytest.LogCaptureFixture) -> None:
    chain = FallbackNotifier([FakeBackend("a", fail=True), FakeBackend("b", fail=True)])
    with caplog.at_level(logging.WARNING):
        for n in range(5):
            chain.show(make_prompt(n))
        assert chain.poll_answers() == []
    assert chain.name == "none"
    assert len(warnings_of(caplog)) == 3  # a dropped, b dropped, nothing left


def test_answers_come_from_the_working_backend_and_a_failing_poll_drops_it() -> None:
    first, second = FakeBackend("first"), FakeBackend("second")
    chain = FallbackNotifier([first, second])
    chain.show(make_prompt(1))
    first.answers = [PromptAnswer("prompt-1", "done", 5.0)]
    assert chain.poll_answers() == [PromptAnswer("prompt-1", "done", 5.0)]
    first.fail = True
    assert chain.poll_answers() == []
    assert chain.name == "second"
    second.answers = [PromptAnswer("prompt-1", "snooze_15m", 6.0)]
    assert chain.poll_answers() == [PromptAnswer("prompt-1", "snooze_15m", 6.0)]


def test_probe_and_available_describe_the_chain() -> None:
    chain = FallbackNotifier([FakeBackend("absent", works=False), FakeBackend("spare")])
    assert [(name, ok) for name, ok, _ in chain.probe()] == [("absent", False), ("spare", True)]
    assert chain.available() == (True, "spare: ok")
    assert FallbackNotifier([FakeBackend("x", works=False)]).available() == (False, "x: install x")


# -- selection --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "chain"),
    [
        ("linux", ("dbus", "plyer", "notify-send", "console")),
        ("darwin", ("plyer", "osascript", "console")),
        ("win32", ("plyer", "powershell", "console")),
    ],
)
def test_auto_builds_the_platform_chain(platform: str, chain: tuple[str, ...]) -> None:
    assert platform_chain(platform) == chain
    notifier = make_notifier("auto", NotifierSettings(), 0.0, platform=platform)
    assert isinstance(notifier, FallbackNotifier)
    assert tuple(b.name for b in notifier.backends) == chain


@pytest.mark.parametrize("name", [n for n in BACKEND_NAMES if n != "auto"])
def test_every_backend_can_be_chosen_by_name(name: str) -> None:
    notifier = make_notifier(name, NotifierSettings(), 0.0)
    assert notifier.name == name


def test_an_unknown_backend_is_a_user_error_listing_the_names() -> None:
    with pytest.raises(UserError, match=r"pigeon.*console.*dbus.*notify-send"):
        make_notifier("pigeon", NotifierSettings(), 0.0)


def test_a_named_backend_that_fails_does_not_raise_into_the_loop(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    notifier = make_notifier("dbus", NotifierSettings(), 0.0)
    notifier.show(make_prompt(1))
    assert notifier.poll_answers() == []


# -- dbus without a daemon ------------------------------------------------------------------


def test_signals_map_to_answers() -> None:
    assert answer_for_signal("ActionInvoked", (7, "done")) == "done"
    assert answer_for_signal("ActionInvoked", (7, "snooze_15m")) == "snooze_15m"
    assert answer_for_signal("ActionInvoked", (7, "default")) is None
    assert answer_for_signal("NotificationClosed", (7, 2)) == "dismissed"
    for reason in (1, 3, 4):  # expired, closed by us, undefined
        assert answer_for_signal("NotificationClosed", (7, reason)) is None


def test_buttons_only_where_the_daemon_has_them() -> None:
    assert notify_actions(frozenset({"actions", "body"}), True) == [
        "done",
        "Done",
        "snooze_15m",
        "Snooze 15 min",
    ]
    assert notify_actions(frozenset({"actions"}), True, posture=True)[-2:] == [
        "not_slouching",
        "Not slouching",
    ]
    assert answer_for_signal("ActionInvoked", (7, "not_slouching")) == "not_slouching"
    assert notify_actions(frozenset({"body"}), True) == []
    assert notify_actions(frozenset({"actions"}), False) == []
    assert expire_timeout_ms(0) == 0
    assert expire_timeout_ms(7.5) == 7500


def test_session_bus_address_from_the_environment(tmp_path: Path) -> None:
    assert session_bus_address({"DBUS_SESSION_BUS_ADDRESS": "unix:path=/x"}) == "unix:path=/x"
    assert session_bus_address({"XDG_RUNTIME_DIR": str(tmp_path)}) is None
    (tmp_path / "bus").touch()
    assert session_bus_address({"XDG_RUNTIME_DIR": str(tmp_path)}) == f"unix:path={tmp_path}/bus"
    assert session_bus_address({}) is None


def test_dbus_without_a_session_bus_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    notifier = DbusNotifier(NotifierSettings(), clock=lambda: 0.0)
    ok, fix = notifier.available()
    assert not ok
    assert "session bus" in fix
    with pytest.raises(NotifierError, match="session bus"):
        notifier.show(make_prompt(1))


def test_dbus_with_a_dead_bus_address_is_unavailable(tmp_path: Path) -> None:
    notifier = DbusNotifier(NotifierSettings(), lambda: 0.0, f"unix:path={tmp_path}/nothing")
    ok, fix = notifier.available()
    assert not ok
    assert fix


# -- notify-send ------------------------------------------------------------------------------


def test_notify_send_command_replaces_and_keeps_text_as_arguments() -> None:
    settings = NotifierSettings(timeout_s=30, urgency="low", escalated_urgency="normal")
    prompt = make_prompt(1, level=1, title="-looks like an option")
    cmd = notify_send_command(prompt, settings, replace_id=42, print_id=True)
    assert cmd[:1] == ["notify-send"]
    assert cmd[cmd.index("--app-name") + 1] == "posturewatch"
    assert cmd[cmd.index("--urgency") + 1] == "normal"  # escalated
    assert cmd[cmd.index("--expire-time") + 1] == "30000"
    assert cmd[cmd.index("--replace-id") + 1] == "42"
    assert "--print-id" in cmd
    assert cmd[-3:] == ["--", prompt.title, prompt.body]


def test_notify_send_without_id_support_never_passes_replace() -> None:
    cmd = notify_send_command(make_prompt(1), NotifierSettings(), replace_id=42, print_id=False)
    assert "--replace-id" not in cmd
    assert "--print-id" not in cmd


def test_notify_send_missing_is_unavailable_and_fails_cleanly() -> None:
    notifier = NotifySendNotifier(NotifierSettings(), executable="posturewatch-no-such-program")
    ok, fix = notifier.available()
    assert not ok
    assert "libnotify-bin" in fix
    with pytest.raises(NotifierError):
        notifier.show(make_prompt(1))


# -- macOS and Windows (command building only: they cannot run here) -----------------------------


class RecordingRunner:
    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        self.calls.append((cmd, kwargs))
        return subprocess.CompletedProcess(cmd, 0, "", "")


def test_osascript_passes_texts_as_arguments_not_script() -> None:
    prompt = make_prompt(1, title='Say "hi" \\ now')
    cmd = osascript_command(prompt)
    script = " ".join(cmd[1:-3])
    assert cmd[-3:] == [prompt.title, prompt.body, "posturewatch"]
    assert prompt.title not in script and "hi" not in script
    assert "display notification" in script and "on run argv" in script


def test_osascript_is_only_for_macos_and_shows_each_prompt_once() -> None:
    assert not OsascriptNotifier(NotifierSettings(), platform="linux").available()[0]
    runner = RecordingRunner()
    notifier = OsascriptNotifier(NotifierSettings(), runner=runner, platform="darwin")
    notifier.show(make_prompt(1))
    notifier.show(make_prompt(1))
    assert len(runner.calls) == 1


def test_powershell_toast_reads_texts_from_the_environment_and_replaces_by_tag() -> None:
    cmd = powershell_command()
    script = base64.b64decode(cmd[cmd.index("-EncodedCommand") + 1]).decode("utf-16-le")
    assert "$toast.Tag = 'prompt'" in script and "$toast.Group = 'posturewatch'" in script
    assert "$env:POSTUREWATCH_TITLE" in script and "$env:POSTUREWATCH_BODY" in script
    prompt = make_prompt(1)
    env = toast_environment(prompt, NotifierSettings(timeout_s=45), {"PATH": "C:\\Windows"})
    assert env["POSTUREWATCH_TITLE"] == prompt.title
    assert env["POSTUREWATCH_BODY"] == prompt.body
    assert env["POSTUREWATCH_TIMEOUT_S"] == "45"
    assert env["PATH"] == "C:\\Windows"


def test_powershell_is_only_for_windows_and_hands_the_texts_over() -> None:
    assert not PowershellNotifier(NotifierSettings(), platform="linux").available()[0]
    runner = RecordingRunner()
    notifier = PowershellNotifier(NotifierSettings(), runner=runner, platform="win32")
    prompt = make_prompt(3)
    notifier.show(prompt)
    (cmd, kwargs) = runner.calls[0]
    assert cmd == powershell_command()
    assert kwargs["env"]["POSTUREWATCH_TITLE"] == prompt.title
