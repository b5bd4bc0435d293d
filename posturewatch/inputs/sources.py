"""Frame sources: a camera, a video file, or a folder (or glob) of images.

All three answer the same two calls, so the rest of the product cannot tell a
recording from a live camera. A recording's frames carry media time (the video's
own clock, or index / fps for images), never the wall clock, so a recorded hour
replays in seconds with the same timings it had.

OpenCV is imported lazily: a landmark recording replays without it.
"""

from __future__ import annotations

import glob
import logging
import math
import os
import time
from abc import ABC, abstractmethod
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from posturewatch.closing import Closing
from posturewatch.core.errors import UserError
from posturewatch.core.types import Frame
from posturewatch.files import not_regular
from posturewatch.inputs.native_logs import quiet_native_logs
from posturewatch.paths import expand_user

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff"})
VIDEO_SUFFIXES = frozenset({".mp4", ".avi", ".mov", ".mkv", ".webm", ".m4v", ".mpg", ".mpeg"})


@dataclass(frozen=True)
class CameraSettings:
    """Which camera `run` and `calibrate` use by default."""

    device: str = "0"
    """Index (0, 1, ...) or device path (/dev/video2)."""
    width: int = 640
    height: int = 480

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise ValueError("width and height must be positive")

    @property
    def source_spec(self) -> str:
        return f"camera:{self.device}"


CAMERA_FIX = (
    "connect a webcam and close programs using it (video calls); on Linux check "
    "`ls /dev/video*` and that you are in the 'video' group; on macOS allow camera access "
    "for your terminal (System Settings > Privacy & Security > Camera); or choose another "
    "camera with `device` in the [camera] section of the config, or --source"
)
"""What to do about a camera that cannot be used, in full (`doctor`)."""
CAMERA_HINT = (
    "connect a webcam or close the program using it (a video call), or choose another "
    "with --source; `posturewatch doctor` says more"
)
"""The same, short enough to follow an error on its one line."""


class CameraUnavailable(UserError):
    """The camera cannot be opened or stopped delivering frames (busy in a video
    call, unplugged, no permission). The background service waits and retries a
    camera that worked; `never_opened` marks one that has not delivered a single
    frame since the run began (camera:7 on a machine with one camera), which a run
    reports instead of retrying forever."""

    def __init__(self, message: str, *, never_opened: bool = False) -> None:
        super().__init__(message, fix=CAMERA_HINT)
        self.never_opened = never_opened


class FrameSource(Closing, ABC):
    """Where frames come from.

    `read(not_before_s)` returns the next frame whose time is at least
    `not_before_s` (recordings skip the frames in between without decoding them;
    a camera returns its freshest frame now), or None at the end of a recording.
    """

    live: bool = False
    description: str = ""

    @abstractmethod
    def read(self, not_before_s: float | None = None) -> Frame | None: ...

    def release(self) -> None:
        """Let go of the device between checks (a camera's light goes off); the next
        read() opens it again. Nothing to do for recordings."""

    def close(self) -> None:
        self.release()


def _cv2() -> Any:
    import cv2

    return cv2


class ImageFolderSource(FrameSource):
    """Images in sorted path order, `fps` of them per second of media time.

    While the pose model works on one image (on one core), the next one is decoded
    on another thread (OpenCV lets go of the GIL while decoding): the image the
    caller will most likely ask for next, at the same stride as the last step.
    Files are only read, so a wrong guess costs a decode, never a frame.
    """

    def __init__(
        self,
        paths: list[Path],
        fps: float = 1.0,
        description: str = "",
        *,
        skip_unreadable: bool = False,
    ) -> None:
        if fps <= 0:
            raise UserError(f"--fps must be positive, got {fps}")
        if not paths:
            raise UserError(f"no images found in {description or 'the given source'}")
        self.paths = paths
        self.fps = fps
        self.description = description or str(paths[0].parent)
        self.skip_unreadable = skip_unreadable
        """A folder's undecodable image is skipped with one warning (open_frame_source
        sets this for a folder or glob); otherwise its error surfaces on its read."""
        self._next = 0
        self._skipped = 0
        self._stride = 1
        self._last_index: int | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: tuple[int, Future[npt.NDArray[np.uint8]]] | None = None

    def read(self, not_before_s: float | None = None) -> Frame | None:
        if not_before_s is not None:
            # Skip to the first image at or after the requested time, without decoding.
            first = int(-(-not_before_s * self.fps // 1)) if not_before_s > 0 else 0
            self._next = max(self._next, first)
        while self._next < len(self.paths):
            index = self._next
            self._next += 1
            path = self.paths[index]
            ahead, self._ahead = self._ahead, None
            # A decoding error of the image read ahead is raised here, as it would have been.
            prefetched = ahead is not None and ahead[0] == index
            try:
                image = ahead[1].result() if ahead is not None and prefetched else _imread(path)
            except UserError as exc:
                if not self.skip_unreadable or len(self.paths) == 1:
                    raise
                # One bad file does not end a folder: say so once, go on with the next.
                log.warning("%s; skipped", exc)
                self._skipped += 1
                if self._skipped == len(self.paths):
                    raise UserError(
                        f"none of the images in {self.description} can be read"
                    ) from None
                continue
            self._read_ahead(index)
            return Frame(index=index, time_s=index / self.fps, image=image, path=str(path))
        return None

    def _read_ahead(self, index: int) -> None:
        if self._pool is None and len(self.paths) > 1:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="decode")
        last = self._last_index
        if last is not None and index > last:
            self._stride = index - last
        self._last_index = index
        nxt = index + self._stride
        if self._pool is not None and nxt < len(self.paths):
            self._ahead = (nxt, self._pool.submit(_imread, self.paths[nxt]))

    def close(self) -> None:
        self._ahead = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


REDUCED_MIN_SIDE_PX = 480
"""A JPEG is decoded at half size when both sides of the halved picture stay at least
this large (a photo of 960 px or more on its short side)."""

_JPEG_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
"""Start-of-frame markers (they carry the size); C4, C8 and CC are other segments."""


def _jpeg_size(path: Path) -> tuple[int, int] | None:
    """Width and height from a JPEG's frame header, reading only the headers; None
    when the file is not a JPEG or the header cannot be found."""
    try:
        with path.open("rb") as f:
            if f.read(2) != b"\xff\xd8":
                return None
            while True:
                head = f.read(4)
                if len(head) < 4 or head[0] != 0xFF:
                    return None
                marker, length = head[1], int.from_bytes(head[2:4], "big")
                if marker in _JPEG_FRAME_MARKERS:
                    frame = f.read(5)  # precision, height, width
                    if len(frame) < 5:
                        return None
                    return int.from_bytes(frame[3:5], "big"), int.from_bytes(frame[1:3], "big")
                if length < 2:
                    return None
                f.seek(length - 2, os.SEEK_CUR)
    except OSError:
        return None


def _imread(path: Path) -> npt.NDArray[np.uint8]:
    """Decode an image file as BGR.

    A large JPEG is decoded at half size (the decoder scales while it decodes, about
    twice as fast): the pose model sees the person through a 256x256 crop, so a
    large photo's full resolution only costs decoding time. Landmarks are normalised
    to the frame's width and height, so they mean the same at either size; the
    Frame simply reports the smaller size."""
    cv2 = _cv2()
    flag = cv2.IMREAD_COLOR
    size = _jpeg_size(path) if path.suffix.lower() in (".jpg", ".jpeg") else None
    if size is not None and min(size) // 2 >= REDUCED_MIN_SIDE_PX:
        flag = cv2.IMREAD_REDUCED_COLOR_2
    try:
        with quiet_native_logs():  # libjpeg's own line for a truncated file
            image = cv2.imread(str(path), flag)
    except Exception as exc:  # OpenCV raises on some malformed files
        raise UserError(f"cannot read image {path}: {exc}") from None
    if image is None:
        raise UserError(f"cannot read image {path}: not an image or unreadable")
    return cast("npt.NDArray[np.uint8]", image)  # cv2 is untyped here


LOCAL_ONLY_FFMPEG_OPTIONS = "protocol_whitelist;file"
"""OpenCV's FFmpeg capture options (key;value pairs): only the file protocol."""


class VideoFileSource(FrameSource):
    """A video file; times come from its frame rate, so it replays at any speed.

    While the pose model works, the next frame is decoded on another thread. Only
    the very next one: if the caller then skips ahead, that frame is passed over
    as it would have been, so a replay gets exactly the frames it asks for.
    """

    def __init__(self, path: Path, fps: float | None = None) -> None:
        cv2 = _cv2()
        # A local file may still name network resources (an HLS playlist, an SDP
        # file): FFmpeg may open local files only.
        os.environ["OPENCV_FFMPEG_CAPTURE_OPTIONS"] = LOCAL_ONLY_FFMPEG_OPTIONS
        self.path = path
        self.description = str(path)
        with quiet_native_logs():  # FFmpeg prints its own line for a file it cannot read
            self._cap = cv2.VideoCapture(str(path))
            opened = self._cap.isOpened()
        if not opened:
            raise UserError(f"cannot read video {path}: not a video OpenCV can decode")
        native = float(self._cap.get(cv2.CAP_PROP_FPS) or 0.0)
        self.fps = fps or (native if native > 0 else 30.0)
        self._index = -1
        self._delivered = 0
        self._pool: ThreadPoolExecutor | None = None
        self._ahead: Future[Frame | None] | None = None

    def read(self, not_before_s: float | None = None) -> Frame | None:
        target = 0.0 if not_before_s is None else not_before_s
        ahead, self._ahead = self._ahead, None
        frame: Frame | None = None
        if ahead is not None:
            try:
                frame = ahead.result()
            except UserError:  # a corrupt frame: an error only if the caller wanted it
                if self._index / self.fps + 1e-9 >= target:
                    raise
            else:
                if frame is None:
                    return None  # the end of the video
        if frame is None or frame.time_s + 1e-9 < target:
            frame = self._read_sync(target)  # nothing read ahead, or the caller skipped it
        if frame is not None:
            self._pool = self._pool or ThreadPoolExecutor(1, thread_name_prefix="decode")
            self._ahead = self._pool.submit(self._read_sync, 0.0)
        return frame

    def _read_sync(self, target: float) -> Frame | None:
        """The first frame at or after `target`, grabbing (not decoding) the rest."""
        while True:
            if not self._cap.grab():
                if self._delivered == 0 and self._index < 0:
                    raise UserError(f"cannot read video {self.path}: no decodable frames")
                return None
            self._index += 1
            t = self._index / self.fps
            if t + 1e-9 >= target:
                ok, image = self._cap.retrieve()
                if not ok or image is None:
                    raise UserError(
                        f"cannot read video {self.path}: frame {self._index} is corrupt"
                    )
                self._delivered += 1
                return Frame(index=self._index, time_s=t, image=image, path=None)

    def close(self) -> None:
        self._ahead = None
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._cap.release()


class CameraSource(FrameSource):
    """A webcam by index or device path.

    Drivers keep a queue of frames; a check that read the head of that queue would
    judge the posture of some seconds ago. So every read first drains what the
    driver buffered (grab() without decoding) and decodes only the newest frame.
    """

    live = True

    def __init__(
        self,
        device: int | str = 0,
        width: int | None = 640,
        height: int | None = 480,
        warmup_frames: int = 3,
        flush_frames: int = 4,
    ) -> None:
        self.device = device
        self.width = width
        self.height = height
        self.warmup_frames = warmup_frames
        self.flush_frames = flush_frames
        self.description = f"camera {device}"
        self._cap: Any = None
        self._t0 = time.monotonic()
        self._index = 0

    def _open(self) -> Any:
        # OpenCV's own lines about a missing device would add to our one line.
        os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
        cv2 = _cv2()
        with quiet_native_logs():  # V4L2/FFmpeg print their own line for a missing device
            cap = cv2.VideoCapture(self.device)
            opened = cap.isOpened()
        if not opened:
            cap.release()
            raise CameraUnavailable(
                f"{self.description} could not be opened: it is missing, busy in another "
                "program, or this user may not use it",
                never_opened=self._index == 0,
            )
        cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
        if self.width and self.height:
            cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.width)
            cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.height)
        # The first frames after opening are dark while auto-exposure settles.
        for _ in range(self.warmup_frames):
            cap.grab()
        return cap

    def read(self, not_before_s: float | None = None) -> Frame | None:
        fresh_open = self._cap is None
        if fresh_open:
            self._cap = self._open()
        if not fresh_open:
            for _ in range(self.flush_frames):
                self._cap.grab()
        ok, image = self._cap.read()
        if not ok or image is None:
            self.release()
            if self._index == 0:
                raise CameraUnavailable(
                    f"{self.description} opened but delivers no frames", never_opened=True
                )
            raise CameraUnavailable(f"{self.description} stopped delivering frames")
        frame = Frame(index=self._index, time_s=time.monotonic() - self._t0, image=image)
        self._index += 1
        return frame

    def release(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


def refuse_remote(spec: str) -> None:
    """Sources are local: a camera index or device, a file, a folder. A URL (which
    OpenCV's FFmpeg would fetch) is one line: nothing talks to another machine."""
    if "://" in spec or spec.lower().startswith(("rtsp:", "rtmp:", "http:", "https:", "udp:")):
        raise UserError(
            f"source {spec!r} is a network address; posturewatch reads only local "
            "sources (camera, camera:N, /dev/videoN, a file or a folder)"
        )


def parse_camera(spec: str) -> int | str | None:
    """`camera`, `camera:N`, `camera:/dev/videoN`, a bare index or /dev/video*;
    None when the spec is not a camera. A URL or anything but an index or a device
    path after `camera:` is a UserError."""
    refuse_remote(spec)
    if spec == "camera":
        return 0
    if spec.startswith("camera:"):
        rest = spec.split(":", 1)[1]
        if rest.isdigit():
            return int(rest)
        if not rest.startswith("/dev/"):
            raise UserError(
                f"camera {rest!r}: expected a camera index (camera:0) or a device "
                "(camera:/dev/video0)"
            )
        return rest
    if spec.isdigit():
        return int(spec)
    if spec.startswith("/dev/video"):
        return spec
    return None


def check_source_spec(spec: str) -> None:
    """The checks of open_frame_source that need no device and no decoding (a URL, a
    malformed camera, a missing file), so a mistyped --source is named before
    anything else (a missing calibration) is complained about."""
    if parse_camera(spec) is not None or any(ch in spec for ch in "*?["):
        return
    if not expand_user(spec, "--source").exists():
        raise UserError(f"source not found: {spec}")


def is_landmark_recording(path: Path) -> bool:
    """Landmark recordings are JSON lines, optionally gzipped (see docs/landmark-recordings.md)."""
    name = path.name.lower()
    return name.endswith((".jsonl", ".jsonl.gz", ".ndjson", ".ndjson.gz"))


def open_frame_source(
    spec: str,
    fps: float | None = None,
    camera_width: int | None = 640,
    camera_height: int | None = 480,
) -> FrameSource:
    """Turn what the user typed into a frame source, or a one-line UserError."""
    if fps is not None and not (math.isfinite(fps) and fps > 0):
        raise UserError(f"--fps must be a positive number, got {fps}")
    camera = parse_camera(spec)
    if camera is not None:
        return CameraSource(camera, camera_width, camera_height)
    path = expand_user(spec, "--source")
    if any(ch in spec for ch in "*?["):
        matches = sorted(Path(p) for p in glob.glob(os.path.expanduser(spec)))
        images = [p for p in matches if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()]
        if not images:
            raise UserError(f"no images match {spec}")
        return ImageFolderSource(images, fps or 1.0, spec, skip_unreadable=True)
    if not path.exists():
        raise UserError(f"source not found: {spec}")
    kind = not_regular(path)
    if kind is not None and kind != "a folder":
        # Refused before OpenCV opens it: a FIFO would block it for good, a device
        # (/dev/zero) would be read without end.
        raise UserError(f"cannot read {spec}: it is {kind}, not an image, a video or a folder")
    if path.is_dir():
        images = sorted(
            p for p in path.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
        )
        if not images:
            raise UserError(f"no images found in folder {spec}")
        return ImageFolderSource(images, fps or 1.0, str(path), skip_unreadable=True)
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return ImageFolderSource([path], fps or 1.0, str(path))
    if suffix in VIDEO_SUFFIXES:
        return VideoFileSource(path, fps)
    # Unknown suffix: let OpenCV try it as a video, with a clear message if it cannot.
    try:
        return VideoFileSource(path, fps)
    except UserError:
        raise UserError(
            f"cannot read {spec}: not an image, a video or a folder of images"
        ) from None


@dataclass(frozen=True)
class CameraInfo:
    """A camera that exists on this machine, as the first-run and settings windows
    offer it."""

    spec: str
    """What --source takes: camera:0."""
    name: str = ""
    """The platform's name for it (Linux: the driver's card name), or empty."""

    @property
    def device(self) -> str:
        """What [camera] device holds: "0"."""
        return self.spec.removeprefix("camera:")

    @property
    def label(self) -> str:
        number = f"camera {self.device}"
        return f"{self.name} ({number})" if self.name else number.capitalize()


PROBE_INDICES = 4
"""Where the platform lists no devices (macOS, Windows), indices 0..3 are tried."""


def list_cameras(
    sys_root: Path = Path("/sys/class/video4linux"),
    dev: Path = Path("/dev"),
    probe: Any = None,
) -> list[CameraInfo]:
    """The cameras that exist, with a name where the platform gives one. Linux: the
    capture nodes of /sys/class/video4linux (a webcam's second node, for metadata,
    is left out); elsewhere each of the first few indices OpenCV can open (`probe`,
    index -> bool, replaces that in tests). Nothing is read from any camera."""
    import sys

    if probe is None and (sys.platform.startswith("linux") or sys_root.is_dir()):
        found: list[CameraInfo] = []
        nodes = sys_root.glob("video*") if sys_root.is_dir() else iter(())
        for node in sorted(nodes, key=lambda p: int(p.name[5:]) if p.name[5:].isdigit() else 999):
            number = node.name[5:]
            if not number.isdigit() or not (dev / node.name).exists():
                continue
            if _read_small(node / "index") not in ("", "0"):
                continue  # the same camera's metadata node
            found.append(CameraInfo(f"camera:{number}", _read_small(node / "name")))
        return found
    opens = probe or _opens
    return [CameraInfo(f"camera:{i}") for i in range(PROBE_INDICES) if opens(i)]


def _read_small(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace").strip()[:80]
    except OSError:
        return ""


def _opens(index: int) -> bool:
    os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
    cv2 = _cv2()
    with quiet_native_logs():
        cap = cv2.VideoCapture(index)
        try:
            return bool(cap.isOpened())
        finally:
            cap.release()
