"""What is kept on disk: the SQLite store of numbers and the calibration profiles."""
