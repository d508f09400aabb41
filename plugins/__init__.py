"""Stepping Stones' built-in plugins (each a folder: STYLE §4)."""
