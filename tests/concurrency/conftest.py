"""Races between real transactions on PostgreSQL, run from threads.

Each test starts two or more callables at the same moment (a barrier) in their own threads,
each with its own database connection, and then checks what was stored. SQLite serialises
every write, so these races cannot happen there; the module runs on PostgreSQL only, which
is what CI runs the whole suite on a second time.
"""

import threading

import pytest
from django.db import connection, connections


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/concurrency/" in str(item.fspath):
            item.add_marker(pytest.mark.django_db(transaction=True))
            if connection.vendor != "postgresql":
                item.add_marker(
                    pytest.mark.skip(reason="races between transactions need PostgreSQL")
                )


@pytest.fixture(autouse=True)
def reference_data(transactional_db):
    """Transactional tests empty every table afterwards, data migrations' rows included: put
    the regions and framework versions back with their idempotent loaders."""
    from audits.loading import app_models, load_all
    from partnerships.models import Region
    from partnerships.regions import ensure_regions

    ensure_regions(Region)
    load_all(app_models())


def run_together(*callables, timeout: float = 30):
    """Run each callable in its own thread, released together; return results or exceptions.

    The list holds, in order, what each callable returned or the exception it raised.
    """
    barrier = threading.Barrier(len(callables))
    results: list = [None] * len(callables)

    def run(index, function):
        try:
            barrier.wait(timeout)
            results[index] = function()
        except BaseException as error:  # noqa: BLE001 - reported to the test
            results[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, args=(index, function))
        for index, function in enumerate(callables)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish"
    return results
