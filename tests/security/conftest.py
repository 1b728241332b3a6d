"""Counts for the hostile-input tests, printed in pytest's closing summary."""

import logging
from dataclasses import dataclass, field

import pytest


@dataclass
class HostileStats:
    """What the hostile-input tests sent and what came back."""

    requests: int = 0
    server_errors: int = 0
    partial_writes: int = 0
    saves: int = 0  # accepted posts that wrote something
    failures: dict = field(default_factory=dict)


STATS = HostileStats()
# Thousands of refused requests: their log lines (with tracebacks) would cost more than the
# requests. The tests record every 5xx themselves.
QUIET = ["django.request", "django.security", "axes"]


@pytest.fixture(autouse=True)
def quiet_logs():
    levels = {name: logging.getLogger(name).level for name in QUIET}
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def pytest_terminal_summary(terminalreporter):
    if not STATS.requests:
        return
    terminalreporter.write_line(
        f"hostile input: {STATS.requests} requests sent, {STATS.server_errors} 5xx seen, "
        f"{STATS.partial_writes} partial writes seen ({STATS.saves} accepted saves), "
        f"{len(STATS.failures)} distinct failing combinations"
    )
