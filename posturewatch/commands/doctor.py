"""`posturewatch doctor`: can `run` work on this machine, and if not, what to do.

One line per check, each a real attempt rather than a guess: the camera is opened
and one frame read, the pose model is built and run, the config and the
calibration profile are loaded, a file is written in the data directory. A check
that fails says how to fix it. Exit 0 when everything `run` needs works, 1 if not.
Problems `run` can live with (no desktop notifications: prompts go to the
terminal) are WARN lines and do not change the exit status.

Every check catches its own errors, so one broken part never hides the others,
and each imports what it tests only when it runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from posturewatch.commands.options import (
    Subparsers,
    add_command,
    add_profile_argument,
    add_source_arguments,
)
from posturewatch.core.errors import UserError
from posturewatch.inputs.native_logs import quiet_native_logs
from posturewatch.inputs.pose import PoseSettings
from posturewatch.inputs.sources import CAMERA_FIX
from posturewatch.paths import expand_user

if TYPE_CHECKING:
    from posturewatch.context import Context
    from posturewatch.inputs.sources import FrameSource
    from posturewatch.notifiers import NotifierSettings


@dataclass(frozen=True)
class Check:
    """The outcome of one check; `fix` says what to do when it did not pass."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True
    """Whether `run` needs it; a failed optional check is a WARN."""

    @property
    def status(self) -> str:
        if self.ok:
            return "OK"
        return "FAIL" if self.required else "WARN"


def format_check(check: Check) -> str:
    line = f"{check.status:<4} {check.name}: {check.detail}"
    if not check.ok and check.fix:
        line += f" -> fix: {check.fix}"
    return line


def exit_status(checks: list[Check]) -> int:
    return 0 if all(c.ok or not c.required for c in checks) else 1


# -- the checks ----------------------------------------------------------------------------


def check_config(ctx: Context) -> tuple[Check, Any]:
    """The config file, and the config to use for the other checks (None = defaults)."""
    path = ctx.paths.config_file
    try:
        config = ctx.config
    except UserError as exc:
        return (
            Check("config", False, str(exc), f"correct that key in {path}, or move the file away"),
            None,
        )
    except Exception as exc:  # the install itself is broken (a module fails to import)
        return (
            Check(
                "config",
                False,
                f"cannot load the config code: {type(exc).__name__}: {exc}",
                "reinstall posturewatch (pip install --force-reinstall posturewatch)",
            ),
            None,
        )
    if path.exists():
        return Check("config", True, f"{path} is valid"), config
    return Check("config", True, f"{path} does not exist: the defaults are in use"), config


def check_data_dir(data_dir: Path) -> Check:
    fix = (
        f"make {data_dir} writable for this user, or keep the data elsewhere "
        "with --data-dir DIR or POSTUREWATCH_DATA_DIR"
    )
    if data_dir.exists():
        if not data_dir.is_dir():
            return Check("data directory", False, f"{data_dir} is not a directory", fix)
        try:
            with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".doctor-"):
                pass
        except OSError as exc:
            return Check("data directory", False, f"{data_dir} is not writable ({exc})", fix)
        return Check("data directory", True, f"{data_dir} is writable")
    parent = data_dir.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.is_dir() and os.access(parent, os.W_OK | os.X_OK):
        return Check("data directory", True, f"{data_dir} will be created on first use")
    return Check("data directory", False, f"{data_dir} cannot be created in {parent}", fix)


def check_camera(
    spec: str,
    width: int,
    height: int,
    from_option: bool,
    opener: Callable[..., FrameSource] | None = None,
) -> Check:
    """Open the source and read one frame, as `run` will; the camera is let go at once."""
    if opener is None:
        from posturewatch.inputs.sources import open_frame_source

        opener = open_frame_source
        if is_replayed_as_landmarks(spec):
            return check_landmark_source(spec)
    name = "source" if from_option else "camera"
    fix = "check the --source argument" if from_option else CAMERA_FIX
    try:
        source = opener(spec, camera_width=width, camera_height=height)
        try:
            frame = source.read()
        finally:
            source.close()
    except UserError as exc:
        return Check(name, False, str(exc), fix)
    except Exception as exc:
        return Check(name, False, f"{spec}: {type(exc).__name__}: {exc}", fix)
    if frame is None:
        return Check(name, False, f"{source.description} delivered no frame", fix)
    return Check(name, True, f"{source.description} delivers frames ({frame.width}x{frame.height})")


def is_replayed_as_landmarks(spec: str) -> bool:
    """A landmark recording or a timeline: `run` replays these without frames."""
    from posturewatch.inputs.sources import is_landmark_recording

    path = expand_user(spec, "--source")
    return is_landmark_recording(path) or (path.suffix.lower() == ".toml" and path.is_file())


def check_landmark_source(spec: str) -> Check:
    """Open a recording or timeline as `run` does and read its first observation."""
    from posturewatch.inputs.observations import open_observations

    fix = "check the --source argument"
    try:
        source = open_observations(spec)
        try:
            obs = source.read()
        finally:
            source.close()
    except UserError as exc:
        return Check("source", False, str(exc), fix)
    except Exception as exc:
        return Check("source", False, f"{spec}: {type(exc).__name__}: {exc}", fix)
    if obs is None:
        return Check("source", False, f"{source.description} holds no observation", fix)
    return Check(
        "source", True, f"{source.description} replays landmarks ({obs.width}x{obs.height})"
    )


def check_pose_model(settings: PoseSettings | None = None) -> Check:
    """Build the configured pose model (the bundled one, checksum verified) and run
    it on a blank image: offline, nothing downloaded."""
    fix = "reinstall posturewatch (`pip install --force-reinstall posturewatch`)"
    try:
        import numpy as np

        from posturewatch.core.types import Frame
        from posturewatch.inputs.pose import make_estimator
    except Exception as exc:
        return Check("pose model", False, f"cannot be imported ({exc})", fix)
    try:
        started = time.perf_counter()
        estimator = make_estimator(None, static_image_mode=True, settings=settings)
        try:
            blank = np.zeros((256, 256, 3), dtype=np.uint8)
            estimator.estimate(Frame(index=0, time_s=0.0, image=blank))
        finally:
            estimator.close()
        elapsed_s = time.perf_counter() - started
    except UserError as exc:
        return Check("pose model", False, str(exc), fix)
    except Exception as exc:
        return Check("pose model", False, f"{type(exc).__name__}: {exc}", fix)
    return Check(
        "pose model",
        True,
        f"{estimator.name} (mediapipe {estimator.version}) loaded offline and ran on a "
        f"test image in {elapsed_s:.1f} s",
    )


def check_notifications(settings: NotifierSettings) -> Check:
    """Which backend prompts would use; nothing is shown."""
    from posturewatch.notifiers import FallbackNotifier, make_notifier

    notifier = make_notifier(settings.backend, settings, origin_s=0.0)
    probes = (
        notifier.probe()
        if isinstance(notifier, FallbackNotifier)
        else [(notifier.name, *notifier.available())]
    )
    chain = ", ".join(name for name, _, _ in probes)
    chosen = next(((name, detail) for name, ok, detail in probes if ok), None)
    fixes = _grouped_fixes([(name, detail) for name, ok, detail in probes if not ok])
    if chosen is None:
        return Check(
            "notifications",
            False,
            f"no backend works (tried {chain}): prompts will not be shown",
            fixes,
            required=False,
        )
    name, detail = chosen
    if settings.backend == "auto" and name == "console":
        return Check(
            "notifications",
            False,
            "no desktop notifications: prompts will be printed on the terminal",
            fixes,
            required=False,
        )
    return Check("notifications", True, f"{name} ({detail})")


def _grouped_fixes(failures: list[tuple[str, str]]) -> str:
    """ "dbus, plyer: no session bus" rather than the same fix once per backend."""
    names_by_fix: dict[str, list[str]] = {}
    for name, fix in failures:
        names_by_fix.setdefault(fix, []).append(name)
    return "; ".join(f"{', '.join(names)}: {fix}" for fix, names in names_by_fix.items())


def check_profile(path: Path) -> Check:
    fix = "sit well and run `posturewatch calibrate`"
    if not path.exists():
        return Check("calibration", False, f"no calibration profile at {path}", fix)
    try:
        from posturewatch.store.profiles import load_profile

        baseline = load_profile(path)
    except UserError as exc:
        return Check("calibration", False, str(exc), f"{fix} again")
    except Exception as exc:
        return Check("calibration", False, f"{path}: {type(exc).__name__}: {exc}", f"{fix} again")
    view = getattr(baseline, "view", None)
    frames = getattr(baseline, "frame_count", None)
    about = f" ({view} view, {frames} frames)" if view and frames else ""
    others = sorted(p.stem for p in path.parent.glob("*.json") if p != path)
    setups = f"; other setups it switches to: {', '.join(others)}" if others else ""
    return Check("calibration", True, f"{path} loads{about}{setups}")


def check_power(settings: Any) -> Check:
    """What the machine runs on, and what the monitor does on battery (never a failure)."""
    from posturewatch.inputs.power import PowerSettings, open_power

    if not isinstance(settings, PowerSettings):
        settings = PowerSettings()
    try:
        on_battery = open_power(settings).on_battery()
    except Exception as exc:
        return Check("power", False, f"cannot read the power state ({exc})", required=False)
    mode = {
        "slower": f"checks {settings.battery_factor:g}x further apart",
        "pause": "checking pauses",
        "normal": "checking as on mains",
    }[settings.on_battery]
    state = "no battery found" if on_battery is None else "on battery" if on_battery else "on mains"
    return Check("power", True, f"{state}; on battery {mode} ([power] on_battery)")


def check_meeting_signals(settings: Any, platform: str | None = None) -> list[Check]:
    """One line per meeting-mode signal: read it once, or say why this platform or
    desktop cannot tell (a WARN: prompts then simply do not wait for that)."""
    import sys

    from posturewatch.meeting.signals import MeetingSettings, SignalUnavailable, make_signals

    if not isinstance(settings, MeetingSettings):
        settings = MeetingSettings()
    if not settings.enabled:
        return [Check("meeting mode", True, "off ([meeting] enabled = false)")]
    checks = []
    for signal in make_signals(settings, platform or sys.platform):
        name = f"meeting mode ({signal.name})"
        try:
            reading = signal.read()
        except SignalUnavailable as exc:
            checks.append(Check(name, False, f"not available: {exc}", required=False))
            continue
        except Exception as exc:
            checks.append(Check(name, False, f"{type(exc).__name__}: {exc}", required=False))
            continue
        now = "prompts wait now: " if reading.quiet else ""
        checks.append(Check(name, True, f"readable ({now}{reading.detail})"))
    off = [
        key
        for key in ("camera", "microphone", "fullscreen", "do_not_disturb")
        if not getattr(settings, key)
    ]
    if off:
        checks.append(Check("meeting mode", True, "turned off: " + ", ".join(off)))
    return checks


# -- the command ---------------------------------------------------------------------------


def run_checks(ctx: Context, source: str | None, profile: str | None, quiet: bool) -> list[Check]:
    config_check, config = check_config(ctx)
    camera = getattr(config, "camera", None)
    device = str(getattr(camera, "device", "0"))
    width = int(getattr(camera, "width", 640))
    height = int(getattr(camera, "height", 480))
    notifications = getattr(config, "notifications", None)
    if notifications is None:
        from posturewatch.notifiers import NotifierSettings

        notifications = NotifierSettings()
    profile_name = profile or str(getattr(config, "profile", "default"))

    checks = [config_check, check_data_dir(ctx.paths.data_dir)]
    # What OpenCV and MediaPipe's C++ code print on file descriptor 2 (a missing
    # camera, TensorFlow Lite banners): the checks report the outcome in one line.
    with quiet_native_logs(enabled=quiet):
        checks.append(check_camera(source or f"camera:{device}", width, height, bool(source)))
        checks.append(check_pose_model(getattr(config, "pose", None)))
    checks.append(check_notifications(notifications))
    checks.append(check_profile(ctx.paths.profile_file(profile_name)))
    checks.append(check_power(getattr(config, "power", None)))
    checks.extend(check_meeting_signals(getattr(config, "meeting", None)))
    return checks


def register(sub: Subparsers) -> None:
    p = add_command(
        sub,
        "doctor",
        "check camera, pose model, notifications, data directory, config and calibration",
        "Check everything `posturewatch run` needs, one line per check, with the fix for "
        "each problem. Exit status 0 when run can work, 1 when not.",
        ["posturewatch doctor", "posturewatch doctor --source camera:1"],
        handler=handle,
    )
    add_source_arguments(p)
    add_profile_argument(p)


def handle(args: argparse.Namespace, ctx: Context) -> int:
    quiet = not getattr(args, "verbose", False)
    checks = run_checks(ctx, getattr(args, "source", None), getattr(args, "profile", None), quiet)
    for check in checks:
        print(format_check(check), flush=True)
    status = exit_status(checks)
    if status == 0:
        print("ready: `posturewatch run` can work on this machine")
    else:
        failed = ", ".join(c.name for c in checks if not c.ok and c.required)
        print(f"not ready: fix {failed} first")
    return status
