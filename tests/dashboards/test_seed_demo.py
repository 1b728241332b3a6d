"""seed_demo's data sets: the plain demo stays exactly as it was, and the national demo can
cover ten years (`--national --years 10`) for the page benchmarks (docs/performance.md)."""

import hashlib
import io
from datetime import date, timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from audits.demo import seed_audits, seed_national_audits
from audits.models import ActionNote, ActionRecord, Audit, Cycle, Response
from dashboards.models import Publication
from partnerships import demo
from reviews.demo import seed_reviews
from reviews.models import Child, Review

pytestmark = pytest.mark.django_db

TODAY = date(2026, 12, 1)


def fingerprint() -> str:
    """A digest of every seeded figure a page shows (not the ids or the moments of saving)."""
    rows = [
        sorted(Cycle.objects.values_list("name", "opens_on", "closes_on")),
        sorted(
            Child.objects.values_list(
                "partnership__slug", "reference", "sex", "age", "ethnicity", "outcome"
            )
        ),
        sorted(
            (slug, ref, kind, str(incident), str(notified), str(completed), status, harms, race)
            for slug, ref, kind, incident, notified, completed, status, harms, race in (
                Review.objects.values_list(
                    "partnership__slug",
                    "child__reference",
                    "review_type",
                    "incident_month",
                    "notification_month",
                    "completed_month",
                    "status",
                    "harm_types",
                    "race_analysed",
                )
            )
        ),
        sorted(Audit.objects.values_list("cycle__name", "partnership__slug", "status")),
        sorted(
            Response.objects.values_list(
                "audit__cycle__name",
                "audit__partnership__slug",
                "item__ref",
                "rating",
                "moderated_rating",
            ),
            key=repr,
        ),
        sorted(Publication.objects.values_list("year", "reviews_counted")),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


# The plain demo's digest on 1 December 2026, taken from the code before --years existed
# (main at c20b4ae): `make run` and the tests must see the very same demo.
PLAIN_DEMO = "133bdc7865346ff62a989a31d403b56215d723c48cc2e7504c4412a73576f977"


def test_plain_seed_demo_is_unchanged(settings):
    settings.DEBUG = True
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        call_command("seed_demo", stdout=io.StringIO())
    assert Cycle.objects.count() == 2
    assert fingerprint() == PLAIN_DEMO


def test_years_needs_national_and_a_range(settings):
    settings.DEBUG = True
    with pytest.raises(CommandError, match="needs --national"):
        call_command("seed_demo", "--years", "10", stdout=io.StringIO())
    with pytest.raises(CommandError, match="3 to 10"):
        call_command("seed_demo", "--national", "--years", "11", stdout=io.StringIO())
    assert not Cycle.objects.exists()


def _seed_ten_years(total=16):
    """The national demo's ten years for `total` partnerships (the command makes 130, with
    160 to 260 children each: fewer here, to keep the test quick)."""
    seeded = demo.seed_partnerships()
    seed_audits(partnerships=seeded["partnerships"], leads=seeded["leads"], panel=seeded["panel"])
    seeded = demo.seed_national_partnerships(seeded, total=total)
    seed_national_audits(
        partnerships=seeded["partnerships"],
        leads=seeded["leads"],
        panel=seeded["panel"],
        years=10,
    )
    return seed_reviews(
        partnerships=seeded["partnerships"],
        leads=seeded["leads"],
        today=TODAY,
        per_partnership=(30, 50),
        first_year=TODAY.year - 9,
    )


def test_ten_years_of_cycles_audits_and_reviews():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        made = _seed_ten_years()
    cycles = list(Cycle.objects.order_by("opens_on"))
    assert [cycle.name for cycle in cycles] == [
        f"{y}-{(y + 1) % 100:02d}" for y in range(2017, 2027)
    ]
    # One after another, a year each, with no gap or overlap; only the last is open.
    for earlier, later in zip(cycles, cycles[1:], strict=False):
        assert earlier.closes_on == later.opens_on - timedelta(days=1)
    assert [cycle.closes_on < TODAY for cycle in cycles] == [True] * 9 + [False]
    # The older years' audits are left in the states a real year has, most accepted and
    # moderated, and some partnerships never started one.
    older = Audit.objects.filter(cycle__opens_on__lt=date(2024, 4, 1))
    states = {
        status: older.filter(status=status).count()
        for status in ("accepted", "submitted", "returned", "draft")
    }
    assert states["accepted"] > 0.6 * older.count()
    assert all(states[status] > 0 for status in ("submitted", "returned", "draft"))
    assert older.count() < 7 * 16
    assert Response.objects.filter(
        audit__in=older.filter(status="accepted"), moderated_rating__isnull=False
    ).exists()
    # 30 to 50 children a partnership, a review or two each, notified in every year, none
    # after last month.
    assert made == Review.objects.count()
    assert 16 * 30 <= made <= 16 * 50 * 1.3
    years = set(Review.objects.values_list("notification_month__year", flat=True))
    assert set(range(2017, 2027)) <= years
    assert not Review.objects.filter(incident_month__gte=TODAY.replace(day=1)).exists()
    complete = Review.objects.filter(status="complete")
    assert complete.count() > 0.85 * made
    assert not complete.filter(completed_month__isnull=True).exists()


def test_ten_years_is_deterministic_and_idempotent():
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        _seed_ten_years(total=13)
        first = fingerprint()
        assert _seed_ten_years(total=13) == 0  # a second run adds nothing
        assert fingerprint() == first
        Review.objects.all().delete()
        Child.objects.all().delete()
        Audit.objects.all().delete()
        ActionNote.objects.all().delete()
        ActionRecord.objects.all().delete()
        Cycle.objects.all().delete()
        _seed_ten_years(total=13)
    assert fingerprint() == first


def test_demo_keeps_the_evidence_its_submitted_audits_would_have(settings):
    """The demo's open cycle is on version 3 (version 2 with the survey): each of its submitted
    or accepted audits keeps a figure for every mapped item, as submitting would, and some
    ratings are flagged; drafts and returned audits keep none, and seeding again adds none."""
    from audits.models import EvidenceCheck

    settings.DEBUG = True
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        call_command("seed_demo", stdout=io.StringIO())
    current = Audit.objects.filter(cycle__name="2026-27")
    assert Cycle.objects.get(name="2026-27").version.number == 3
    scored = current.filter(status__in=["submitted", "accepted"])
    assert scored.exists()
    for audit in scored:
        assert EvidenceCheck.objects.filter(response__audit=audit).count() == 10
    assert not EvidenceCheck.objects.filter(
        response__audit__status__in=["draft", "returned"]
    ).exists()
    assert EvidenceCheck.objects.filter(flagged=True).exists()
    before = EvidenceCheck.objects.count()
    with mock.patch("django.utils.timezone.localdate", return_value=TODAY):
        call_command("seed_demo", stdout=io.StringIO())
    assert EvidenceCheck.objects.count() == before
