"""Helpers the branch tests share."""


def nik_for(n, regency="3604", born="150590"):
    """A valid NIK for person number `n` (1..9999): one ticket per NIK and lane may wait,
    so tests that queue several people give each their own. `born` is DDMMYY (+40 on DD
    for a woman)."""
    return f"{regency}01{born}{n:04d}"
