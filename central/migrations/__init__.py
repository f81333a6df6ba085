"""Numbered schema scripts for central; each has up(db, migrator)."""
