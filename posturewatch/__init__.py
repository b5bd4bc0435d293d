"""posturewatch: watches sitting posture through the webcam and prompts upper-back breaks."""

__version__ = "0.1.0"
