"""Numbered schema scripts for a branch; each has up(db, migrator)."""
