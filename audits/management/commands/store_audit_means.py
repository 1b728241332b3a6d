"""Store again the means of every audit (audits.models.AuditMean) from its responses.

The services keep them up to date; this is for audits written another way, such as the
demo data, or to repair them. Safe to run at any time: each audit's means are replaced.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from audits.models import Audit
from audits.services import audit_means_store

BATCH = 200


class Command(BaseCommand):
    help = "Store again the theme and overall means of every audit from its answers."

    def handle(self, *args, **options):
        ids = list(Audit.objects.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), BATCH):
            with transaction.atomic():
                audit_means_store(Audit.objects.filter(pk__in=ids[start : start + BATCH]))
        self.stdout.write(f"Stored the means of {len(ids)} audits.")
