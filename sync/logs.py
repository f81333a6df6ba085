"""Logs as one JSON object a line, NIKs masked, for both servers and the sync job.

Every record leaves through one handler on the root logger, whose filter
masks any run of 16 or more digits (a NIK: 3604********0001) in the message,
its arguments, extra fields and exception text: a NIK can hide anywhere, in a
PostgreSQL error ("Key (nik)=(...) already exists") or a query string, so the
rule is the shape, not the field. A record is one line (a traceback too, its
line breaks escaped), which is what cron's mail, a log file and journald want;
under systemd (JOURNAL_STREAM set) each line starts with its syslog priority
(<6> info, <4> warning, <3> error), which journald reads as the entry's level.
"""
import json
import logging
import re
import sys
from datetime import datetime, timezone

NIK_RUN = re.compile(r"(?<!\d)(\d{4})(\d{8,})(\d{4})(?!\d)")
# The attributes every LogRecord has; anything else was passed as `extra`.
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
PRIORITIES = {logging.DEBUG: 7, logging.INFO: 6, logging.WARNING: 4, logging.ERROR: 3,
              logging.CRITICAL: 2}


def mask_niks(text):
    """`text` with every run of 16+ digits masked but its first and last four."""
    return NIK_RUN.sub(lambda m: m[1] + "*" * len(m[2]) + m[3], text)


class MaskNiks(logging.Filter):
    """Masks NIKs in a record before any formatter sees it (message, extras, traceback)."""

    def filter(self, record):
        record.msg, record.args = mask_niks(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_niks(record.exc_text)
        for name, value in list(vars(record).items()):
            if name not in STANDARD and isinstance(value, str):
                setattr(record, name, mask_niks(value))
        return True


class JsonLines(logging.Formatter):
    """One JSON object per record: time, level, logger, message, then the extra fields."""

    def __init__(self, priority_prefix=False):
        super().__init__()
        self.priority_prefix = priority_prefix

    def format(self, record):
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc)
                .isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        line.update((k, v) for k, v in vars(record).items() if k not in STANDARD)
        if record.exc_text:
            line["exception"] = record.exc_text
        text = json.dumps(line, default=str, ensure_ascii=False)
        return self._prefix(record) + text if self.priority_prefix else text

    def _prefix(self, record):
        return f"<{PRIORITIES.get(record.levelno, 6)}>"


class TextLines(logging.Formatter):
    """The same records as plain text, still one line each (ANTREAN_LOG_FORMAT=text)."""

    def __init__(self):
        super().__init__("%(asctime)s %(name)s %(levelname)s %(message)s")

    def format(self, record):
        extras = " ".join(f"{k}={v}" for k, v in vars(record).items() if k not in STANDARD)
        text = super().format(record) + (f" {extras}" if extras else "")
        return text.replace("\n", "\\n")


class AntreanHandler(logging.StreamHandler):
    """The one handler: masks, formats, writes a line to the stream given, or to whatever
    sys.stderr is at the time (as logging's last resort does: a test runner swaps it)."""

    def __init__(self, stream=None):
        logging.Handler.__init__(self)      # not StreamHandler's: it would pin sys.stderr
        self._stream = stream

    @property
    def stream(self):
        return self._stream or sys.stderr

    @stream.setter
    def stream(self, value):
        self._stream = value


def init_logging(log_format="json", level="INFO", journald=False, stream=None):
    """Send every record (root logger) through one masking, one-line handler; idempotent:
    a second call (another app in the same process) replaces the first's handler."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, AntreanHandler)]:
        root.removeHandler(old)
    handler = AntreanHandler(stream)
    handler.addFilter(MaskNiks())
    handler.setFormatter(JsonLines(journald) if log_format == "json" else TextLines())
    root.addHandler(handler)
    root.setLevel(str(level).upper())      # logging knows "WARNING" only; people write "warning"
    return handler
