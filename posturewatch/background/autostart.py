"""Starting the desktop app (`posturewatch gui`) at login, the way each desktop expects it:

- Linux and other XDG desktops: $XDG_CONFIG_HOME/autostart/posturewatch.desktop, plus
  an application entry ($XDG_DATA_HOME/applications/posturewatch.desktop) and its
  icon (.../icons/hicolor/scalable/apps/posturewatch.svg), so the menu and the
  desktop's startup-applications tool show posturewatch with its name and icon
- macOS: a LaunchAgent, ~/Library/LaunchAgents/io.github.posturewatch.plist
- Windows: %APPDATA%\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\posturewatch.cmd

Each file's content is built by a pure function of the command to run, so all three
are tested on any machine; only `enable`/`disable` touch the disk, choosing by
platform. A file is removed only if it is recognisably ours.
"""

from __future__ import annotations

import logging
import os
import plistlib
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from posturewatch.background.instance import log_file
from posturewatch.core.errors import UserError
from posturewatch.files import MAX_SMALL_FILE, private_dir, read_limited, write_atomic
from posturewatch.paths import ENV_DATA_DIR, Paths, default_data_dir, expand_user

log = logging.getLogger(__name__)

LAUNCH_AGENT_LABEL = "io.github.posturewatch"
MARKER = "posturewatch autostart"
"""Written into the .desktop and .cmd files so `disable` never removes someone else's."""

Platform = Literal["linux", "darwin", "win32"]

# Characters that force quoting in a desktop entry's Exec key (Desktop Entry Spec,
# "The Exec key"), and those that must then be backslash-escaped inside the quotes.
_EXEC_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
_EXEC_ESCAPED_IN_QUOTES = set('"`$\\')


def platform_kind(platform: str = sys.platform) -> Platform:
    if platform == "win32":
        return "win32"
    if platform == "darwin":
        return "darwin"
    return "linux"


def start_command(
    data_dir: Path | None = None,
    executable: str = sys.executable,
    extra: Sequence[str] = (),
) -> list[str]:
    """`python -m posturewatch [--data-dir D] gui [...]` with this interpreter, so
    login starts the same installation that enabled it. The desktop app stays in
    the foreground (its tray icon is the process), which launchd also wants."""
    argv = [executable, "-m", "posturewatch"]
    if data_dir is not None:
        argv += ["--data-dir", str(data_dir)]
    argv.append("gui")
    argv += list(extra)
    return argv


def _exec_arg(arg: str) -> str:
    if arg and not (set(arg) & _EXEC_RESERVED):
        quoted = arg
    else:
        quoted = '"' + "".join("\\" + c if c in _EXEC_ESCAPED_IN_QUOTES else c for c in arg) + '"'
    return quoted.replace("%", "%%")


def _desktop_string(value: str) -> str:
    """Escape a value of type string in a desktop entry (after Exec quoting)."""
    return (
        value.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")
    )


def desktop_entry(command: Sequence[str], autostart: bool = True) -> str:
    """An XDG desktop entry that runs `command`: the autostart one (at login), or the
    application entry for the menu. Both carry the icon, so the startup-applications
    tool shows posturewatch by name and picture."""
    exec_value = _desktop_string(" ".join(_exec_arg(a) for a in command))
    marker = MARKER if autostart else APP_MARKER
    lines = [
        "[Desktop Entry]",
        "Type=Application",
        "Name=posturewatch",
        "GenericName=Posture reminder",
        f"Comment=Watches sitting posture and prompts upper-back breaks ({marker})",
        f"Exec={exec_value}",
        f"Icon={ICON_NAME}",
        "Terminal=false",
        "Categories=Utility;",
        "StartupNotify=false",
    ]
    if autostart:
        lines.append("X-GNOME-Autostart-enabled=true")
    return "\n".join(lines) + "\n"


ICON_NAME = "posturewatch"
APP_MARKER = "posturewatch application entry"


def icon_svg() -> str:
    """The app's icon (the tray's "good" look: a green disc, an upright figure)."""
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">\n'
        f"  <!-- {APP_MARKER} -->\n"
        '  <circle cx="32" cy="32" r="29.5" fill="#2ea043"/>\n'
        '  <path d="M26.9 49.9 Q21.8 35.8 28.8 23" fill="none" stroke="#fff" '
        'stroke-width="7" stroke-linecap="round"/>\n'
        '  <circle cx="32.6" cy="14.6" r="7" fill="#fff"/>\n'
        "</svg>\n"
    )


def launch_agent_plist(command: Sequence[str], log_path: Path | None = None) -> str:
    """A per-user LaunchAgent. launchd wants the process not to fork away, so the
    command should be `start --foreground`."""
    agent: dict[str, object] = {
        "Label": LAUNCH_AGENT_LABEL,
        "ProgramArguments": list(command),
        "RunAtLoad": True,
        "KeepAlive": False,
        "ProcessType": "Interactive",
    }
    if log_path is not None:
        agent["StandardOutPath"] = str(log_path)
        agent["StandardErrorPath"] = str(log_path)
    return plistlib.dumps(agent, sort_keys=True).decode("utf-8")


def windows_startup_cmd(command: Sequence[str]) -> str:
    """A Startup-folder batch file; `start "" /min` returns at once and keeps the
    console out of the way (pythonw runs the desktop app without one)."""
    line = subprocess.list2cmdline(list(command)).replace("%", "%%")
    return f'@echo off\r\nrem {MARKER}\r\nstart "" /min {line}\r\n'


def windowless_python(executable: str) -> str:
    """pythonw.exe beside python.exe, when there is one, so no console window opens."""
    path = Path(executable)
    candidate = path.with_name("pythonw.exe")
    if path.name.lower() == "python.exe" and candidate.exists():
        return str(candidate)
    return executable


def autostart_path(platform: Platform, env: Mapping[str, str], home: Path) -> Path:
    """Where the platform looks for per-user login items."""
    if platform == "win32":
        appdata = env.get("APPDATA") or str(home / "AppData" / "Roaming")
        return (
            Path(appdata)
            / "Microsoft"
            / "Windows"
            / "Start Menu"
            / "Programs"
            / "Startup"
            / "posturewatch.cmd"
        )
    if platform == "darwin":
        return home / "Library" / "LaunchAgents" / f"{LAUNCH_AGENT_LABEL}.plist"
    config_home = env.get("XDG_CONFIG_HOME", "")
    base = Path(config_home) if os.path.isabs(config_home) else home / ".config"
    return base / "autostart" / "posturewatch.desktop"


@dataclass(frozen=True)
class AutostartFile:
    path: Path
    content: str
    companions: tuple[AutostartFile, ...] = ()
    """Written with it (Linux: the application entry and the icon), kept on disable:
    the app stays in the menu when it no longer starts at login."""


def data_home(env: Mapping[str, str], home: Path) -> Path:
    value = env.get("XDG_DATA_HOME", "")
    return Path(value) if os.path.isabs(value) else home / ".local" / "share"


def linux_companions(
    command: Sequence[str], env: Mapping[str, str], home: Path
) -> tuple[AutostartFile, ...]:
    """The application entry and the icon the menu and startup-apps tools show."""
    base = data_home(env, home)
    icon = base / "icons" / "hicolor" / "scalable" / "apps" / f"{ICON_NAME}.svg"
    return (
        AutostartFile(
            base / "applications" / "posturewatch.desktop", desktop_entry(command, False)
        ),
        AutostartFile(icon, icon_svg()),
    )


def autostart_file(
    platform: Platform,
    env: Mapping[str, str],
    home: Path,
    data_dir: Path | None = None,
    executable: str = sys.executable,
    extra: Sequence[str] = (),
    log_path: Path | None = None,
) -> AutostartFile:
    """The file that makes the desktop app (`posturewatch gui`) run at login on `platform`."""
    path = autostart_path(platform, env, home)
    if platform == "win32":
        command = start_command(data_dir, windowless_python(executable), extra)
        return AutostartFile(path, windows_startup_cmd(command))
    if platform == "darwin":
        command = start_command(data_dir, executable, extra)
        return AutostartFile(path, launch_agent_plist(command, log_path))
    command = start_command(data_dir, executable, extra)
    return AutostartFile(path, desktop_entry(command), linux_companions(command, env, home))


def is_ours(platform: Platform, path: Path) -> bool:
    try:
        if platform == "darwin":
            data = plistlib.loads(read_limited(path, MAX_SMALL_FILE))
            return bool(data.get("Label") == LAUNCH_AGENT_LABEL)
        text = read_limited(path, MAX_SMALL_FILE).decode("utf-8", errors="replace")
        return MARKER in text or APP_MARKER in text
    except (OSError, ValueError, plistlib.InvalidFileException):
        return False


def enable(platform: Platform, wanted: AutostartFile) -> None:
    """Write the login item atomically (replacing an older one of ours), and its
    companions (an application entry or icon someone else wrote is left alone)."""
    _write(platform, wanted)
    for line in enable_companions(wanted.companions):
        log.info("%s", line)


def enable_companions(companions: Sequence[AutostartFile]) -> list[str]:
    """Write the application entry and icon (Linux); one line per file on what was
    done, an entry or icon someone else wrote being left alone."""
    lines = []
    for companion in companions:
        try:
            _write("linux", companion)
        except UserError as exc:
            lines.append(str(exc))
        else:
            lines.append(f"wrote {companion.path}")
    return lines


def _write(platform: Platform, wanted: AutostartFile) -> None:
    path = wanted.path
    if path.exists() and not is_ours(platform, path):
        raise UserError(f"{path} exists and was not written by posturewatch; not replacing it")
    try:
        private_dir(path.parent)
        write_atomic(path, wanted.content)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None


def disable(platform: Platform, path: Path) -> bool:
    """Remove our login item; False if there was none."""
    if not path.exists():
        return False
    if not is_ours(platform, path):
        raise UserError(f"{path} was not written by posturewatch; not removing it")
    try:
        path.unlink()
    except OSError as exc:
        raise UserError(f"cannot remove {path}: {exc.strerror or exc}") from None
    return True


AutostartState = Literal["enabled", "disabled", "outdated", "foreign"]


def state(wanted: AutostartFile, platform: Platform) -> AutostartState:
    """enabled: our file with this command; outdated: ours with another command
    (say, another Python); foreign: someone else's file at our path."""
    path = wanted.path
    if not path.exists():
        return "disabled"
    if not is_ours(platform, path):
        return "foreign"
    try:
        current = read_limited(path, MAX_SMALL_FILE).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return "outdated"
    return "enabled" if current == wanted.content else "outdated"


def login_item(
    paths: Paths, source: str | None = None, notifier: str | None = None
) -> AutostartFile:
    """The login item for this installation. A data directory chosen by --data-dir or
    the environment is written into the command: the login session will not have
    this shell's environment."""
    chosen = os.environ.get(ENV_DATA_DIR) or paths.data_dir != default_data_dir()
    extra: list[str] = []
    if source:
        path = expand_user(source, "--source")
        extra += ["--source", str(path.resolve()) if path.exists() else source]
    if notifier:
        extra += ["--notifier", notifier]
    return autostart_file(
        platform_kind(sys.platform),
        os.environ,
        Path.home(),
        data_dir=paths.data_dir if chosen else None,
        extra=extra,
        log_path=log_file(paths),
    )
