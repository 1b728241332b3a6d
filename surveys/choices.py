"""The survey's fixed answers, stated once: the agreement scale, what counts as agreeing, the
role groups and agencies a practitioner may give, and the smallest group a figure is shown for.

The statements themselves are framework data (FrameworkVersion.survey_statements)."""

from django.db import models

# A figure (a share agreeing, or a count of responses) is shown only when at least this many
# responses stand behind it; a group smaller than this is never shown, not even its size.
MIN_RESPONSES = 10


class Agreement(models.IntegerChoices):
    STRONGLY_DISAGREE = 1, "Strongly disagree"
    DISAGREE = 2, "Disagree"
    NEITHER = 3, "Neither agree nor disagree"
    AGREE = 4, "Agree"
    STRONGLY_AGREE = 5, "Strongly agree"


# "Agreeing" is agree or strongly agree.
AGREEING = (Agreement.AGREE, Agreement.STRONGLY_AGREE)


class RoleGroup(models.TextChoices):
    SOCIAL_WORKER = "social_worker", "Social worker"
    POLICE = "police", "Police officer or staff"
    HEALTH = "health", "Health professional"
    EDUCATION = "education", "Education staff"
    OTHER = "other", "Other"


class Agency(models.TextChoices):
    """The statutory safeguarding partners, and everyone else."""

    LOCAL_AUTHORITY = "local_authority", "Local authority"
    POLICE = "police", "Police"
    HEALTH = "health", "Integrated care board or NHS health provider"
    OTHER = "other", "Other"
