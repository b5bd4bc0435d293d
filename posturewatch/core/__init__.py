"""The pure domain: posture geometry, the calibrated baseline, the detector, the
scheduler and the routines. No I/O, no clock reads, no edge imports: time and data
come in as arguments, so a day of sitting is simulated in a second."""
