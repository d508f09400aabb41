"""Backups and restore drills (SECURITY R2): ``flask backup drill``."""
