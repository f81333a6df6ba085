"""Helpers the branch tests share."""
import base64


def nik_for(n, regency="3604", born="150590"):
    """A valid NIK for person number `n` (1..9999): one ticket per NIK and lane may wait,
    so tests that queue several people give each their own. `born` is DDMMYY (+40 on DD
    for a woman)."""
    return f"{regency}01{born}{n:04d}"


PASSWORD = "test-password"      # conftest's staff and supervisor accounts


def closed_port():
    """A local TCP port with nothing listening on it."""
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def basic_auth(username, password=PASSWORD):
    """HTTP Basic headers for a staff account."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}
