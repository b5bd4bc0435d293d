"""Development tools that check posturewatch against known ground truth.

`calibration.simulator` projects a geometric upper body with known posture angles
into MediaPipe-style landmarks, so metrics and detector can be measured where no
labelled front-view recordings exist. Not shipped in the wheel.
"""
