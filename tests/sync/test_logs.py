"""Logs: one JSON object a line, NIKs masked wherever they hide, journald priorities."""
import io
import json
import logging

import pytest

from sync.logs import init_logging, mask_niks

NIK = "3604014501900001"


@pytest.fixture
def lines():
    """Records through the real handler (as the servers and the job install it) into a buffer."""
    stream = io.StringIO()
    handler = init_logging("json", "INFO", stream=stream)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger().removeHandler(handler)


@pytest.mark.parametrize("text, masked", [
    (NIK, "3604********0001"),
    (f"nik={NIK}&x=1", "nik=3604********0001&x=1"),
    (f"Key (nik)=({NIK}) already exists", "Key (nik)=(3604********0001) already exists"),
    ("36040145019000012345", "3604************2345"),      # longer runs hide a NIK too
    ("360401450190000", "360401450190000"),                 # 15 digits: not a NIK
    ("2026-12-01 09:00:00 A001", "2026-12-01 09:00:00 A001"),
])
def test_any_run_of_sixteen_or_more_digits_is_masked(text, masked):
    assert mask_niks(text) == masked


def test_message_arguments_extras_and_tracebacks_are_masked(lines):
    log = logging.getLogger("antrean.test")
    log.info("refused %s", NIK, extra={"nik": NIK, "count": 3})
    try:
        raise ValueError(f"duplicate key (nik)=({NIK})\nsecond line")
    except ValueError:
        log.exception("booking failed for %s", NIK)
    first, second = lines()
    assert first["message"] == "refused 3604********0001"
    assert first["nik"] == "3604********0001" and first["count"] == 3
    assert first["level"] == "info" and first["logger"] == "antrean.test"
    assert first["time"].endswith("+00:00")
    assert second["level"] == "error" and NIK not in json.dumps(second)
    assert "ValueError: duplicate key (nik)=(3604********0001)" in second["exception"]


def test_each_record_is_one_line_even_a_traceback(lines):
    try:
        raise RuntimeError("one\ntwo\nthree")
    except RuntimeError:
        logging.getLogger("antrean.test").exception("boom")
    assert len(lines()) == 1


def test_under_journald_each_line_starts_with_its_priority():
    stream = io.StringIO()
    handler = init_logging("json", "INFO", journald=True, stream=stream)
    try:
        logging.getLogger("antrean.test").warning("careful")
        logging.getLogger("antrean.test").info("fine")
    finally:
        logging.getLogger().removeHandler(handler)
    warning, info = stream.getvalue().splitlines()
    assert warning.startswith("<4>{") and json.loads(warning[3:])["message"] == "careful"
    assert info.startswith("<6>{")


def test_text_format_is_one_line_too_and_masked():
    stream = io.StringIO()
    handler = init_logging("text", "INFO", stream=stream)
    try:
        logging.getLogger("antrean.test").info("a\nb %s", NIK, extra={"step": "push"})
    finally:
        logging.getLogger().removeHandler(handler)
    (line,) = stream.getvalue().splitlines()
    assert line.endswith("antrean.test INFO a\\nb 3604********0001 step=push")


@pytest.mark.parametrize("level", ["warning", "Warning", "WARNING"])
def test_the_level_is_read_in_any_case(level):
    """ANTREAN_LOG_LEVEL=warning is what people write; it used to stop the job and both
    servers with a traceback (ValueError: Unknown level: 'warning')."""
    root = logging.getLogger()
    before = root.level
    handler = init_logging("json", level, stream=io.StringIO())
    try:
        assert root.level == logging.WARNING
    finally:
        root.removeHandler(handler)
        root.setLevel(before)
