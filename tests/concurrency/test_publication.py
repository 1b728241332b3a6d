"""Two Panel staff publishing the same closed year at the same moment: one publication."""

from dashboards import services
from dashboards.models import Publication
from tests.concurrency.conftest import run_together
from tests.dashboards.factories import complete_review


def test_two_publications_of_one_year_at_once_store_one(northshire):
    """Whether the second sees the first's row or collides with it on the unique year, one
    publication is stored and the other is refused with ALREADY_PUBLISHED."""
    for _ in range(10):
        complete_review(northshire)  # notified March 2024: April 2023 to March 2024

    results = run_together(
        lambda: services.publication_publish(year=2023),
        lambda: services.publication_publish(year=2023),
    )

    published = [r for r in results if isinstance(r, Publication)]
    refused = [r for r in results if isinstance(r, services.PublishRefused)]
    assert len(published) == 1, results
    assert [str(r) for r in refused] == [services.ALREADY_PUBLISHED]
    assert Publication.objects.get().pk == published[0].pk
