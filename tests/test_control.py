"""The control channel: both transports, their permissions, and bad requests."""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from posturewatch.background import control
from posturewatch.core.errors import UserError

pytestmark = pytest.mark.timeout(60)  # a channel that stops answering fails in a minute

TRANSPORTS = ["unix", "tcp"] if hasattr(socket, "AF_UNIX") else ["tcp"]


def echo_handler(calls: list[dict[str, Any]]) -> control.Handler:
    def handle(request: dict[str, Any]) -> dict[str, Any]:
        calls.append(request)
        if request.get("cmd") == "boom":
            raise RuntimeError("handler exploded")
        return {"ok": True, "echo": request}

    return handle


@pytest.fixture
def runtime_dir(tmp_path: Path) -> Path:
    return tmp_path / "run"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_request_reaches_handler_and_answer_comes_back(runtime_dir: Path, transport: Any) -> None:
    calls: list[dict[str, Any]] = []
    server = control.open_server(runtime_dir, echo_handler(calls), transport)
    try:
        answer = control.send_request(runtime_dir, {"cmd": "status", "n": 3}, transport=transport)
        assert answer["echo"] == {"cmd": "status", "n": 3}
        # The token is checked and stripped by the server; the handler never sees it.
        assert calls == [{"cmd": "status", "n": 3}]
    finally:
        server.close()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_no_server_means_not_running(runtime_dir: Path, transport: Any) -> None:
    runtime_dir.mkdir()
    with pytest.raises(control.NotRunning):
        control.send_request(runtime_dir, {"cmd": "status"}, transport=transport)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_closed_server_leaves_nothing_behind(runtime_dir: Path, transport: Any) -> None:
    server = control.open_server(runtime_dir, echo_handler([]), transport)
    server.close()
    if transport == "unix":
        assert not Path(server.address).exists()
    assert not (runtime_dir / control.SOCKET_NAME).exists()
    assert not (runtime_dir / control.TCP_INFO_NAME).exists()
    with pytest.raises(control.NotRunning):
        control.send_request(runtime_dir, {"cmd": "status"}, transport=transport)


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_handler_error_is_reported_and_server_keeps_serving(
    runtime_dir: Path, transport: Any
) -> None:
    server = control.open_server(runtime_dir, echo_handler([]), transport)
    try:
        with pytest.raises(UserError, match="handler exploded"):
            control.send_request(runtime_dir, {"cmd": "boom"}, transport=transport)
        assert control.send_request(runtime_dir, {"cmd": "ping"}, transport=transport)["ok"]
    finally:
        server.close()


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")
def test_unix_socket_is_private(runtime_dir: Path) -> None:
    runtime_dir.mkdir(mode=0o755)
    server = control.open_server(runtime_dir, echo_handler([]), "unix")
    try:
        mode = stat.S_IMODE(os.stat(server.address).st_mode)
        assert mode == 0o600
        assert stat.S_IMODE(runtime_dir.stat().st_mode) == 0o700
    finally:
        server.close()


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")
def test_garbage_line_gets_an_error_answer(runtime_dir: Path) -> None:
    server = control.open_server(runtime_dir, echo_handler([]), "unix")
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.connect(server.address)
            sock.sendall(b"this is not json\n")
            answer = json.loads(sock.makefile().readline())
        assert answer["ok"] is False and "bad request" in answer["error"]
        assert control.send_request(runtime_dir, {"cmd": "ping"}, transport="unix")["ok"]
    finally:
        server.close()


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")
def test_a_silent_client_does_not_block_others(runtime_dir: Path) -> None:
    """A client that connects and sends nothing is cut off after its timeout; the
    next request is still answered."""
    server = control.open_server(runtime_dir, echo_handler([]), "unix")
    try:
        silent = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        silent.connect(server.address)
        answer = control.send_request(runtime_dir, {"cmd": "ping"}, timeout_s=5.0, transport="unix")
        assert answer["ok"]
        silent.close()
    finally:
        server.close()


def test_tcp_info_file_is_private_and_token_is_required(runtime_dir: Path) -> None:
    server = control.open_server(runtime_dir, echo_handler([]), "tcp")
    try:
        info_file = runtime_dir / control.TCP_INFO_NAME
        if os.name == "posix":
            assert stat.S_IMODE(info_file.stat().st_mode) == 0o600
        info = json.loads(info_file.read_text())
        for token in (None, "wrong-token"):
            request: dict[str, Any] = {"cmd": "status"}
            if token is not None:
                request["token"] = token
            with socket.create_connection(("127.0.0.1", info["port"]), timeout=2) as sock:
                sock.sendall(json.dumps(request).encode() + b"\n")
                answer = json.loads(sock.makefile().readline())
            assert answer == {"ok": False, "error": "bad token"}
    finally:
        server.close()


@pytest.fixture
def fresh_tempdir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty temp folder as on a fresh machine (nothing an earlier run left), short
    enough for a socket address, and no $XDG_RUNTIME_DIR."""
    deep = len(tempfile.gettempdir()) > 40 and os.path.isdir("/tmp")
    folder = Path(tempfile.mkdtemp(prefix="pwc", dir="/tmp" if deep else None))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")
def test_long_runtime_dir_uses_short_socket_path(tmp_path: Path, fresh_tempdir: Path) -> None:
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 5) / "run"
    server = control.open_server(deep, echo_handler([]), "unix")
    try:
        # Where the server bound is where a client looks, and it fits a socket address.
        path = control.socket_path(deep)
        assert server.address == str(path)
        assert len(os.fsencode(path)) < 100
        assert path != deep / control.SOCKET_NAME
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert control.send_request(deep, {"cmd": "ping"}, transport="unix")["ok"]
    finally:
        server.close()
    assert not path.exists()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_concurrent_clients_all_get_their_own_answer(runtime_dir: Path, transport: Any) -> None:
    server = control.open_server(runtime_dir, echo_handler([]), transport)
    answers: dict[int, Any] = {}

    def ask(i: int) -> None:
        answers[i] = control.send_request(runtime_dir, {"cmd": "n", "i": i}, transport=transport)

    try:
        threads = [threading.Thread(target=ask, args=(i,)) for i in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    finally:
        server.close()
    assert {i: a["echo"]["i"] for i, a in answers.items()} == {i: i for i in range(8)}


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")
def test_leftovers_in_the_temp_folder_are_skipped_or_narrowed(
    tmp_path: Path, fresh_tempdir: Path
) -> None:
    """What other runs left under the temp folder: a file where the short folder would
    go, a folder of ours left 0755, and (as root) one of another user. None of them
    stops the channel; ours is narrowed to 0700, the others are never used."""
    base = fresh_tempdir / f"posturewatch-{os.getuid()}"
    base.write_text("not a folder")
    ours = Path(f"{base}-1")
    ours.mkdir(mode=0o755)
    os.chmod(ours, 0o755)
    if os.geteuid() == 0:
        os.chown(ours, 65534, 65534)  # another user's: skipped, the next one is made
    deep = tmp_path.joinpath(*["a-rather-long-folder-name"] * 5) / "run"
    server = control.open_server(deep, echo_handler([]), "unix")
    try:
        folder = Path(server.address).parent
        assert folder != base
        assert folder == (Path(f"{base}-2") if os.geteuid() == 0 else ours)
        assert folder.stat().st_uid == os.getuid()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert control.send_request(deep, {"cmd": "ping"}, transport="unix")["ok"]
    finally:
        server.close()
    assert base.read_text() == "not a folder"


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")
def test_a_temp_folder_too_deep_for_a_socket_falls_back_to_tmp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$TMPDIR itself so deep that no socket fits under it: the channel still opens,
    in a private folder of ours under /tmp."""
    if not os.path.isdir("/tmp"):
        pytest.skip("no /tmp")
    deep_tmp = tmp_path.joinpath(*["a-rather-long-folder-name"] * 4)
    deep_tmp.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(deep_tmp))
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    runtime = deep_tmp / "data" / "run"
    server = control.open_server(runtime, echo_handler([]), "unix")
    try:
        folder = Path(server.address).parent
        assert folder.parent == Path("/tmp") and folder.stat().st_uid == os.getuid()
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert control.send_request(runtime, {"cmd": "ping"}, transport="unix")["ok"]
    finally:
        server.close()


@pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="Unix sockets only")
def test_a_crowd_of_idle_clients_is_told_busy_then_let_go(runtime_dir: Path) -> None:
    """More idle connections than the channel serves at once: the next request is told
    the channel is busy (not left hanging), and once the idle ones' deadline has passed
    requests are answered again."""
    server = control.open_server(runtime_dir, echo_handler([]), "unix")
    idle: list[socket.socket] = []
    try:
        for _ in range(control.MAX_CLIENTS):
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.connect(server.address)
            idle.append(sock)
        time.sleep(0.3)  # every idle one accepted and holding its place
        with pytest.raises(UserError, match="busy"):
            control.send_request(runtime_dir, {"cmd": "ping"}, transport="unix")
        time.sleep(control.CLIENT_DEADLINE_S + 0.5)
        assert control.send_request(runtime_dir, {"cmd": "ping"}, transport="unix")["ok"]
    finally:
        for sock in idle:
            sock.close()
        server.close()
