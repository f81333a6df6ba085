"""Progress of a long push: a tqdm bar on a terminal, plain log lines under cron."""
import logging
import sys
import time
from contextlib import contextmanager

from tqdm import tqdm

log = logging.getLogger("antrean.sync")
LOG_EVERY_SECONDS = 10


@contextmanager
def progress_for(total, stream=None):
    """A callable `advance(n)` for `total` events to push."""
    stream = stream or sys.stderr
    if stream.isatty():
        with tqdm(total=total, unit="event", desc="push", file=stream) as bar:
            yield bar.update
        return
    done, last = [0], [time.monotonic()]

    def advance(n):
        done[0] += n
        if time.monotonic() - last[0] >= LOG_EVERY_SECONDS or done[0] >= total:
            last[0] = time.monotonic()
            log.info("pushed %d/%d events", done[0], total)
    if total:
        log.info("%d events to push", total)
    yield advance
