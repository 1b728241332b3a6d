"""The project's settings with STATIC_ROOT taken from BENCH_STATIC_ROOT, so that the
benchmarks collect static files into a temporary directory (benchmarks/server.py)."""

import os

from config.settings import *  # noqa: F403

STATIC_ROOT = os.environ["BENCH_STATIC_ROOT"]
