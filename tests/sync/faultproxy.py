"""A TCP fault proxy of our own, between the sync job and central, driven by the test.

The job talks to the proxy's port; the proxy forwards to central's. What it does to a
connection is decided by the mode in force when it accepts it (central under
gunicorn's sync workers closes every connection after one answer, so one connection
is one request):

- ``pass``: bytes both ways, untouched;
- ``refuse``: closed at once with a reset, nothing read or forwarded;
- ``delay``: like pass, each chunk held ``delay_ms`` milliseconds, both ways;
- ``reset_after_request``: the whole request goes to central and central's whole
  answer comes back to the proxy (so central has committed), then the client gets
  a reset instead of the answer;
- ``cut_mid_body``: the answer's head and half its body, then the connection closes;
- ``blackhole``: accepted and read, never forwarded, never answered (the client's
  read timeout ends it);
- ``trickle``: central's whole answer, one byte every ``delay_ms`` milliseconds (each
  read gets a byte in time, so a read timeout alone never ends it).

The mode can be switched while connections are open (``proxy.mode = "refuse"``),
or the next connections given modes of their own (``proxy.plan(...)``). The proxy
counts connections by mode and logs what each fault did, so a test can assert
that the fault it asked for really happened.
"""
import gzip
import select
import socket
import struct
import threading
import time
from collections import Counter, namedtuple

MODES = ("pass", "refuse", "delay", "reset_after_request", "cut_mid_body", "blackhole",
         "trickle")
CHUNK = 65536
# A request the proxy met: its mode, request line, and (when the proxy took central's
# answer itself) the answer's status and body, ungzipped.
Seen = namedtuple("Seen", "mode request status body")


class FaultProxy:
    """Listens on 127.0.0.1:`port` (0: any free port), forwards to 127.0.0.1:`upstream`."""

    def __init__(self, upstream, mode="pass", delay_ms=50, port=0):
        self.upstream, self.delay_ms = upstream, delay_ms
        self._mode, self._planned = mode, []
        self.counts = Counter()      # connections accepted, by the mode they were given
        self.log = []                # Seen, one a request
        self.statuses = Counter()    # central's answers that passed the proxy, by status
        self._lock = threading.Lock()
        self._open = set()
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._thread.start()

    @property
    def mode(self):
        return self._mode

    @mode.setter
    def mode(self, mode):
        assert mode in MODES, mode
        with self._lock:
            self._mode = mode

    def plan(self, *modes):
        """Give the next connections these modes, one each, then the current mode again."""
        assert all(m in MODES for m in modes), modes
        with self._lock:
            self._planned.extend(modes)

    def seen(self, mode, path=""):
        """How many requests `mode` met whose request line contains `path`."""
        with self._lock:
            return sum(1 for seen in self.log if seen.mode == mode and path in seen.request)

    def drop(self):
        """Close every open connection at once (a link that goes down for a moment)."""
        with self._lock:
            for sock in list(self._open):
                _close(sock, wake=True)

    def stop(self):
        """Stop accepting and drop every open connection."""
        self._stopped.set()
        _close(self._listener, wake=True)     # a listener shut down wakes its accept()
        self.drop()
        self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    # The accepting thread: one handler thread per connection.

    def _accept_loop(self):
        while not self._stopped.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self._lock:
                mode = self._planned.pop(0) if self._planned else self._mode
                self.counts[mode] += 1
                self._open.add(client)
            threading.Thread(target=self._handle, args=(mode, client), daemon=True).start()

    def _handle(self, mode, client):
        upstream = None
        try:
            if mode == "refuse":
                return _reset(client)
            if mode == "blackhole":
                return self._swallow(client)
            upstream = socket.create_connection(("127.0.0.1", self.upstream), timeout=60)
            self._track(upstream)
            if mode in ("pass", "delay"):
                return self._pipe(client, upstream, self.delay_ms / 1000 if mode == "delay" else 0)
            self._withhold(mode, client, upstream)
        except (OSError, ValueError):   # ValueError: select() on a socket drop() closed
            pass        # either side went away: that is what a fault proxy sees all day
        finally:
            for sock in (client, upstream):
                if sock is not None:
                    self._forget(sock)

    def _pipe(self, client, upstream, delay):
        """Bytes both ways until one side closes (each chunk `delay` seconds late)."""
        ends, first = {client: upstream, upstream: client}, {client, upstream}
        while not self._stopped.is_set():
            ready, _, _ = select.select(list(ends), [], [], 0.5)
            for sock in ready:
                data = sock.recv(CHUNK)
                if not data:
                    return
                if sock in first:       # the request's first line, or the answer's
                    first.discard(sock)
                    self._first_bytes("delay" if delay else "pass", sock is client, data)
                if delay:
                    time.sleep(delay)
                ends[sock].sendall(data)

    def _withhold(self, mode, client, upstream):
        """Forward the request, take central's whole answer, then keep it (or half of it)."""
        request = read_message(client)
        upstream.sendall(request)
        answer = read_message(upstream, response=True)
        self._note(mode, request, answer)
        if mode == "reset_after_request":
            return _reset(client)
        if mode == "trickle":
            return self._trickle(client, answer)
        head, _, body = answer.partition(b"\r\n\r\n")
        client.sendall(head + b"\r\n\r\n" + body[:max(1, len(body) // 2)])
        _close(client)

    def _trickle(self, client, answer):
        for n in range(len(answer)):
            if self._stopped.wait(self.delay_ms / 1000):
                return
            client.sendall(answer[n:n + 1])

    def _swallow(self, client):
        """Read whatever comes, answer nothing, until the client gives up or we stop."""
        request = b""
        while not self._stopped.is_set():
            ready, _, _ = select.select([client], [], [], 0.5)
            if ready:
                data = client.recv(CHUNK)
                if not data:
                    break
                if not request:
                    self._note("blackhole", data, b"")
                request += data

    def _first_bytes(self, mode, from_client, data):
        if from_client:
            return self._note(mode, data, b"")
        if data.startswith(b"HTTP/"):
            with self._lock:
                self.statuses[data.split(b" ", 2)[1].decode()] += 1

    def _note(self, mode, request, answer):
        line = request.split(b"\r\n", 1)[0].decode("latin-1")
        status = body = None
        if answer.startswith(b"HTTP/"):
            head, _, body = answer.partition(b"\r\n\r\n")
            status = head.split(b" ", 2)[1].decode()
            if b"content-encoding: gzip" in head.lower():
                body = gzip.decompress(body)
        with self._lock:
            self.log.append(Seen(mode, line, status, body))
            if status:
                self.statuses[status] += 1

    def _track(self, sock):
        with self._lock:
            self._open.add(sock)

    def _forget(self, sock):
        with self._lock:
            self._open.discard(sock)
        _close(sock)


def read_message(sock, response=False):
    """One whole HTTP/1.1 message from `sock`: head, then a Content-Length or chunked
    body; an answer with neither runs to the end of the connection."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += _recv(sock)
    head, _, body = data.partition(b"\r\n\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in
               (line.partition(b":") for line in head.split(b"\r\n")[1:])}
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        while len(body) < length:
            body += _recv(sock)
    elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
        while not body.endswith(b"0\r\n\r\n"):
            body += _recv(sock)
    elif response:
        while chunk := sock.recv(CHUNK):
            body += chunk
    return head + b"\r\n\r\n" + body


def _recv(sock):
    data = sock.recv(CHUNK)
    if not data:
        raise ConnectionError("closed mid-message")
    return data


def _reset(sock):
    """Close with a TCP reset (SO_LINGER 0), not a polite FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    _close(sock)


def _close(sock, wake=False):
    """Close `sock`; `wake`: shut it down first, so a thread blocked reading it returns."""
    try:
        if wake:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    try:
        sock.close()
    except OSError:
        pass
