"""For tests of a data migration: migrate the test database to a named state and back."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from partnerships.models import Region
from partnerships.regions import ensure_regions


def migrate_to(targets):
    """Migrate to `targets` ([(app, migration)]) and return the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def regions(transactional_db):
    """England's regions, which an earlier transactional test's flush may have emptied;
    afterwards every app migrated forward again, so later tests have the whole schema."""
    ensure_regions(Region)
    yield
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
