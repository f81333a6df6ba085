"""Reading a push body before Flask does: gunzipped, and never more than the byte limit.

A push may be larger than other requests (a batch of 1,000 events) but still has a
limit, which holds however the body comes: with a Content-Length, in chunks
(Transfer-Encoding: chunked, which a WSGI server hands over without a length),
or gzip-compressed (the limit is on the unpacked size, so a small bomb cannot grow).
"""
import io
import json
import zlib

from werkzeug.wrappers import Response

from sync.errors import AntreanError
from sync.websecurity import HEADERS

PUSH_PATH = "/api/v1/sync/push"
CHUNK = 1 << 16
DRAIN_AT_MOST = 16      # times the limit: so the client reads our 413, not a reset


class TooLarge(AntreanError):
    status, code = 413, "batch_too_large"


class PushBodyLimit:
    """WSGI middleware: gunzip push bodies, refusing (413) any over the byte limit."""

    def __init__(self, wsgi_app, max_bytes):
        self.wsgi_app, self.max_bytes = wsgi_app, max_bytes

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PUSH_PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.wsgi_app(environ, start_response)
        body = self._body(environ)
        if body is None:
            return self._too_large(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        for name in ("HTTP_CONTENT_ENCODING", "HTTP_TRANSFER_ENCODING"):
            environ.pop(name, None)
        environ["wsgi.input_terminated"] = False        # it has a length now
        return self.wsgi_app(environ, start_response)

    def _body(self, environ):
        """The plain body, or None when it is (or would unpack to) more than the limit."""
        raw = self._raw(environ)
        if raw is None:
            return None
        if environ.get("HTTP_CONTENT_ENCODING", "").lower() != "gzip":
            return raw
        unpacker = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = unpacker.decompress(raw, self.max_bytes + 1)
        except zlib.error:
            body = b""  # the JSON validator reports the unreadable body
        return None if len(body) > self.max_bytes else body

    def _raw(self, environ):
        """The body as sent, or None when it is more than the limit."""
        stream = environ["wsgi.input"]
        if _chunked(environ):
            raw = _read_at_most(stream, self.max_bytes + 1)
            if len(raw) > self.max_bytes:
                _read_at_most(stream, DRAIN_AT_MOST * self.max_bytes)
                return None
            return raw
        length = int(environ.get("CONTENT_LENGTH") or 0)
        if length > self.max_bytes:
            _read_at_most(stream, min(length, DRAIN_AT_MOST * self.max_bytes))
            return None
        return stream.read(length)

    def _too_large(self, environ, start_response):
        """Answered before Flask, so with the headers Flask's after_request would add."""
        message = f"A batch body holds at most {self.max_bytes} bytes; split it."
        response = Response(json.dumps({"error": TooLarge.code, "message": message,
                                        "limit": self.max_bytes}),
                            status=413, mimetype="application/json", headers=HEADERS)
        return response(environ, start_response)


def _chunked(environ):
    """A body without a length: the server decodes the chunks and ends the stream."""
    return ("chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
            and not environ.get("CONTENT_LENGTH"))


def _read_at_most(stream, limit):
    """Up to `limit` bytes of `stream` (less if it ends first)."""
    parts, size = [], 0
    while size < limit:
        data = stream.read(min(CHUNK, limit - size))
        if not data:
            break
        parts.append(data)
        size += len(data)
    return b"".join(parts)
