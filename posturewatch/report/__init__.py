"""The daily report: its model from the store, and its renderings."""
