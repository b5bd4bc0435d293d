"""Large JPEGs are decoded at half size (posturewatch/sources.py): the pose model
sees a 256x256 crop, so full resolution only costs decoding time. The frame says
the size it was decoded at, and the real model reads the same posture from it."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from posturewatch.core.metrics import compute_metrics
from posturewatch.inputs.observations import open_observations
from posturewatch.inputs.sources import open_frame_source
from tests.paths import SIDE_VIEW


def _resized_copy(photo: Path, out: Path, width: int, height: int) -> Path:
    image = cv2.imread(str(photo), cv2.IMREAD_COLOR)
    assert image is not None
    ok = cv2.imwrite(str(out), cv2.resize(image, (width, height), interpolation=cv2.INTER_CUBIC))
    assert ok
    return out


@pytest.mark.parametrize(
    ("name", "size", "decoded"),
    [
        ("phone.jpg", (1080, 1920), (540, 960)),
        ("progressive.jpeg", (1200, 1600), (600, 800)),
        ("just_too_small.jpg", (958, 1600), (958, 1600)),
        ("photo_as_png.png", (1080, 1920), (1080, 1920)),
        ("webcam_still.jpg", (640, 480), (640, 480)),
    ],
)
def test_large_jpegs_are_decoded_at_half_size(
    tmp_path: Path, name: str, size: tuple[int, int], decoded: tuple[int, int]
) -> None:
    path = _resized_copy(SIDE_VIEW / "straight_hf.jpg", tmp_path / name, *size)
    if name.startswith("progressive"):
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])
    source = open_frame_source(str(path))
    frame = source.read()
    source.close()
    assert frame is not None
    assert (frame.width, frame.height) == decoded


def test_a_file_named_jpg_that_is_not_one_is_still_a_clear_error(tmp_path: Path) -> None:
    from posturewatch.core.errors import UserError

    fake = tmp_path / "fake.jpg"
    fake.write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    source = open_frame_source(str(fake))
    with pytest.raises(UserError, match="cannot read image"):
        source.read()


@pytest.mark.model
def test_the_model_reads_the_same_posture_from_a_half_size_decode(tmp_path: Path) -> None:
    # Phone-sized copies of a slouched and an upright photo: decoded at half size
    # (540x960) they must give nearly the landmarks of a full-size decode of the same
    # file (normalised coordinates do not depend on the decoded size), and keep the
    # slouched one well ahead of the upright one.
    names = ("hunchback.jpg", "straight_hf.jpg")
    for name in names:
        _resized_copy(SIDE_VIEW / name, tmp_path / name, 1080, 1920)
    source = open_observations(str(tmp_path))
    try:
        half = {Path(o.path or "").name: o for o in iter(source.read, None)}
    finally:
        source.close()

    from posturewatch.core.types import Frame
    from posturewatch.inputs.pose import make_estimator

    model = make_estimator(None, static_image_mode=True)
    try:
        for name in names:
            obs = half[name]
            assert obs.pose is not None and (obs.width, obs.height) == (540, 960)
            full_image = np.asarray(cv2.imread(str(tmp_path / name)), dtype=np.uint8)
            full = model.estimate(Frame(0, 0.0, full_image, name))
            assert full.pose is not None
            a = np.array([(p.x, p.y) for p in obs.pose.image[:25]])
            b = np.array([(p.x, p.y) for p in full.pose.image[:25]])
            assert float(np.median(np.abs(a - b))) < 0.01, name
    finally:
        model.close()
    metrics = {name: compute_metrics(half[name]) for name in names}
    slouched, upright = metrics["hunchback.jpg"], metrics["straight_hf.jpg"]
    assert slouched is not None and upright is not None
    assert slouched.head_forward_deg > upright.head_forward_deg + 10
