"""Frame sources: every kind answers read() the same way, with media time."""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch.core.errors import UserError
from posturewatch.inputs.sources import (
    CameraSource,
    CameraUnavailable,
    ImageFolderSource,
    VideoFileSource,
    open_frame_source,
    parse_camera,
)
from tests.paths import SIDE_VIEW as PHOTOS


def _write_video(path: Path, n: int, fps: float) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (64, 48))
    for i in range(n):
        img = np.full((48, 64, 3), i * 10 % 256, np.uint8)
        writer.write(img)
    writer.release()


def test_folder_is_sorted_and_timed_by_fps(tmp_path: Path) -> None:
    for name in ("b.png", "a.png", "c.png", "notes.txt"):
        if name.endswith(".png"):
            cv2.imwrite(str(tmp_path / name), np.zeros((8, 8, 3), np.uint8))
        else:
            (tmp_path / name).write_text("x")
    src = open_frame_source(str(tmp_path), fps=2.0)
    frames = []
    while (f := src.read()) is not None:
        frames.append(f)
    assert [Path(f.path or "").name for f in frames] == ["a.png", "b.png", "c.png"]
    assert [f.time_s for f in frames] == [0.0, 0.5, 1.0]
    assert not src.live


def test_folder_skips_to_requested_time_without_reading_earlier_images(tmp_path: Path) -> None:
    paths = []
    for i in range(5):
        p = tmp_path / f"{i}.png"
        cv2.imwrite(str(p), np.zeros((8, 8, 3), np.uint8))
        paths.append(p)
    paths[1].write_bytes(b"corrupt")  # would raise if decoded
    src = ImageFolderSource(paths, fps=1.0)
    assert src.read() is not None
    frame = src.read(not_before_s=2.0)
    assert frame is not None and frame.index == 2 and frame.time_s == 2.0


def test_glob_source(tmp_path: Path) -> None:
    for name in ("x1.png", "x2.png", "y.png"):
        cv2.imwrite(str(tmp_path / name), np.zeros((8, 8, 3), np.uint8))
    src = open_frame_source(str(tmp_path / "x*.png"))
    names = []
    while (f := src.read()) is not None:
        names.append(Path(f.path or "").name)
    assert names == ["x1.png", "x2.png"]


def test_video_uses_media_time_and_skips(tmp_path: Path) -> None:
    video = tmp_path / "clip.avi"
    _write_video(video, n=20, fps=10.0)
    src = open_frame_source(str(video))
    assert isinstance(src, VideoFileSource)
    first = src.read()
    assert first is not None and first.time_s == 0.0
    later = src.read(not_before_s=1.0)
    assert later is not None and later.index == 10 and abs(later.time_s - 1.0) < 1e-9
    rest = 0
    while src.read() is not None:
        rest += 1
    assert rest == 9
    src.close()


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: str(d / "missing"), "source not found"),
        (lambda d: str(d), "no images found"),
        (lambda d: _text_file(d, "notes.txt"), "cannot read"),
        (lambda d: _text_file(d, "fake.jpg"), "cannot read image"),
        (lambda d: _text_file(d, "fake.mp4"), "cannot read video"),
        (lambda d: str(d / "*.png"), "no images match"),
    ],
)
def test_bad_input_is_a_user_error(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(UserError, match=message):
        src = open_frame_source(make(tmp_path))
        src.read()


def _text_file(d: Path, name: str) -> str:
    p = d / name
    p.write_text("not media")
    return str(p)


def test_camera_specs() -> None:
    assert parse_camera("camera") == 0
    assert parse_camera("camera:2") == 2
    assert parse_camera("camera:/dev/video4") == "/dev/video4"
    assert parse_camera("/dev/video1") == "/dev/video1"
    assert parse_camera("3") == 3
    assert parse_camera("photos/") is None


def test_missing_camera_is_camera_unavailable() -> None:
    # No webcam on this machine (nor on CI): opening one must be a clear error.
    cam = CameraSource("/dev/video-does-not-exist")
    with pytest.raises(CameraUnavailable, match="could not be opened"):
        cam.read()
    cam.close()


@pytest.mark.skipif(not PHOTOS.is_dir(), reason="shared photos not present")
def test_real_photo_folder(tmp_path: Path) -> None:
    for p in sorted(PHOTOS.glob("straight*.jpg")):
        shutil.copy(p, tmp_path / p.name)
    src = open_frame_source(str(tmp_path))
    frame = src.read()
    assert frame is not None and frame.width == 720 and frame.height == 1280


def test_read_ahead_follows_the_stride_and_keeps_errors_for_their_frame(tmp_path: Path) -> None:
    paths = []
    for i in range(7):
        p = tmp_path / f"{i}.png"
        cv2.imwrite(str(p), np.full((8, 8, 3), i, np.uint8))
        paths.append(p)
    paths[3].write_bytes(b"corrupt")  # only ever decoded ahead: never asked for
    paths[6].write_bytes(b"corrupt")  # asked for: its error surfaces on that read
    src = ImageFolderSource(paths, fps=1.0)
    seen = []
    for t in (0.0, 2.0, 4.0):
        frame = src.read(not_before_s=t)
        assert frame is not None
        seen.append((frame.index, int(frame.image[0, 0, 0])))
    assert seen == [(0, 0), (2, 2), (4, 4)]
    with pytest.raises(UserError, match=r"6\.png"):
        src.read(not_before_s=6.0)
    src.close()
