"""After install: a `posturewatch` command on the PATH and the app in the desktop's
menu, so nothing needs the venv's path. scripts/setup.sh runs this module.

The command is a symbolic link in ~/.local/bin (the folder the XDG base-directory
spec names for user executables) to the venv's console script. Debian's and
Ubuntu's ~/.profile put that folder on the PATH of every new login shell once it
exists; a login profile that does not gets two marked lines that do (as pipx's
ensurepath does). The menu
entry is the application entry and icon that autostart writes beside its login item
(background/autostart.py), run by this interpreter. A file at either place that is
not ours is left alone and said so.

`python -m posturewatch.background.launcher` prints what it did, one line each."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

from posturewatch.background.autostart import (
    Platform,
    enable_companions,
    linux_companions,
    platform_kind,
    start_command,
)
from posturewatch.core.errors import UserError


def bin_dir(home: Path) -> Path:
    return home / ".local" / "bin"


def console_script(executable: str = sys.executable) -> Path:
    """The venv's `posturewatch` script beside its interpreter (bin/ or Scripts/)."""
    folder = Path(executable).parent
    name = "posturewatch.exe" if os.name == "nt" else "posturewatch"
    return folder / name


def on_path(folder: Path, env: Mapping[str, str]) -> bool:
    entries = [Path(p).expanduser() for p in env.get("PATH", "").split(os.pathsep) if p]
    return any(_same(folder, entry) for entry in entries)


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def link_command(script: Path, home: Path) -> tuple[Path, str]:
    """Link ~/.local/bin/posturewatch to `script`; (link, what was done). A file there
    that is not a link to a posturewatch script is not replaced (UserError)."""
    if not script.is_file():
        raise UserError(f"{script} does not exist: install posturewatch into the venv first")
    link = bin_dir(home) / script.name
    if link.is_symlink():
        target = Path(os.readlink(link))
        if target == script:
            return link, f"{link} already runs {script}"
        if not target.name.startswith("posturewatch"):
            raise UserError(f"{link} links to {target}, not posturewatch; not replacing it")
        link.unlink()
    elif link.exists():
        raise UserError(f"{link} exists and is not ours; not replacing it")
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(script)
    return link, f"linked {link} -> {script}"


PROFILE_MARK = "# added by posturewatch's setup: commands in ~/.local/bin"
PROFILE_LINES = (
    f'\n{PROFILE_MARK}\nif [ -d "$HOME/.local/bin" ] ; then PATH="$HOME/.local/bin:$PATH"; fi\n'
)


def login_profile(home: Path) -> Path:
    """The file a bash login shell reads: the first of ~/.bash_profile, ~/.bash_login
    and ~/.profile that exists (bash reads only that one), else ~/.profile."""
    for name in (".bash_profile", ".bash_login", ".profile"):
        if (home / name).is_file():
            return home / name
    return home / ".profile"


def ensure_on_path(folder: Path, env: Mapping[str, str], home: Path) -> str | None:
    """Make new login shells find `folder`: nothing when this shell has it, else the
    two lines added to the login profile (once; a profile that already names
    .local/bin is left as it is). The line to print, or None."""
    if on_path(folder, env):
        return None
    profile = login_profile(home)
    try:
        text = profile.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        text = ""
    except OSError as exc:
        return f"{folder} is not on your PATH and {profile} cannot be read ({exc}): add it"
    if ".local/bin" in text:
        return f"{folder} is not on this shell's PATH yet; {profile} adds it: open a new shell"
    try:
        with profile.open("a", encoding="utf-8") as f:
            f.write(PROFILE_LINES)
    except OSError as exc:
        return f"{folder} is not on your PATH and {profile} cannot be written ({exc}): add it"
    return f"added {folder} to the PATH in {profile}: open a new login shell to use it"


def install(
    env: Mapping[str, str] | None = None,
    home: Path | None = None,
    executable: str = sys.executable,
    platform: Platform | None = None,
) -> list[str]:
    """Link the command and write the menu entry; the lines to print."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    link, done = link_command(console_script(executable), home)
    lines = [done]
    note = ensure_on_path(link.parent, env, home)
    if note is not None:
        lines.append(note)
    if (platform or platform_kind()) == "linux":
        command = start_command(None, executable)
        entries = linux_companions(command, env, home)
        lines += enable_companions(entries)
    return lines


def main() -> int:
    try:
        for line in install():
            print(f"setup: {line}")
    except UserError as exc:
        print(f"setup: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
