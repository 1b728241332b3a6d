"""People, partnerships and who belongs to which.

Access to everything else in the service is decided from these models, in
partnerships/access.py and partnerships/mixins.py only.
"""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .querysets import MembershipQuerySet, PartnershipQuerySet

# Panel staff moderate every partnership's answers, so they never belong to one.
PANEL_STAFF_CANNOT_JOIN = "{email} is Panel staff. Panel staff cannot be members of a partnership"
PANEL_STAFF_HAS_MEMBERSHIPS = (
    "Remove this person from their partnerships before making them Panel staff"
)


class UserManager(BaseUserManager):
    use_in_migrations = True

    @classmethod
    def normalize_email(cls, email):
        """The one form of an address that is stored, looked up and counted: stripped, lower case.

        Sign-in finds the account by exactly this form and django-axes counts failed attempts
        by it (partnerships/signin.py), so every way of typing one address is one account.
        """
        return (email or "").strip().lower()

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def get_by_natural_key(self, username):
        # An exact match on the normal form, not email__iexact: the database's idea of letter
        # case (PostgreSQL upper-cases a dotless i to I) must not reach an account by a string
        # that counts as another name.
        return self.get(email=self.normalize_email(username))

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        if not extra_fields["is_staff"] or not extra_fields["is_superuser"]:
            raise ValueError("A superuser must have is_staff and is_superuser set.")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in with their email address.

    `is_panel_staff` marks national Panel staff, who read every partnership but never
    edit a partnership's own answers. `is_staff` only opens the Django admin.
    """

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_panel_staff = models.BooleanField(
        "Panel staff",
        default=False,
        help_text="National Panel staff: read every partnership, open cycles, moderate audits.",
    )
    is_staff = models.BooleanField(
        "admin access", default=False, help_text="May sign in to the Django admin."
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()
    # Who changed a person's access and when; never the password hash or sign-in times.
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        ordering = ["email"]

    def __str__(self):
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email).lower()
        if self.is_panel_staff and self.pk and self.memberships.exists():
            raise ValidationError(
                {"is_panel_staff": PANEL_STAFF_HAS_MEMBERSHIPS}, code="has_memberships"
            )

    def get_full_name(self):
        return self.full_name or self.email

    def get_short_name(self):
        return self.full_name or self.email


class Region(models.Model):
    """One of England's 9 regions, used to group partnerships for comparison."""

    name = models.CharField(max_length=60, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name


class Partnership(models.Model):
    """A local safeguarding children partnership: the tenant that owns audits and reviews."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="partnerships")
    active = models.BooleanField(default=True)
    requires_two_factor = models.BooleanField(
        "requires two-factor sign-in",
        default=False,
        # In the database too: code (or a migration's historical model) that predates the
        # field still inserts partnerships.
        db_default=False,
        help_text="Every member must sign in with a code from an authenticator app too.",
    )

    objects = PartnershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("partnerships:home", kwargs={"slug": self.slug})


class Membership(models.Model):
    """A person's single role in one partnership. A person may belong to several."""

    class Role(models.TextChoices):
        # Values sort leads first when ordered by role.
        LEAD = "lead", "Lead"
        CONTRIBUTOR = "contributor", "Contributor"
        VIEWER = "viewer", "Viewer"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.VIEWER)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "partnership"], name="membership_one_role_per_partnership"
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=["lead", "contributor", "viewer"]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}, {self.partnership})"

    def clean(self):
        super().clean()
        user = User.objects.filter(pk=self.user_id).first()
        if user is not None and user.is_panel_staff:
            raise ValidationError(
                {"user": PANEL_STAFF_CANNOT_JOIN.format(email=user.email)}, code="panel_staff"
            )


class RestrictedView(models.Model):
    """One view of a restricted page: who read unperturbed figures, when, and with which
    filters. Written by partnerships.services.restricted_view_record, never changed after.

    The person's email address is copied, so the record still says who it was if their
    account is later removed.
    """

    user = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        related_name="restricted_views",
    )
    email = models.EmailField("email address")
    viewed_at = models.DateTimeField(default=timezone.now, db_index=True)
    path = models.CharField(max_length=500)
    filters = models.JSONField(
        default=dict,
        help_text="The filters as applied, and what was asked when some were not valid.",
    )
    summary = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["-viewed_at", "-pk"]
        verbose_name = "restricted view"

    def __str__(self):
        return f"{self.email} viewed {self.path} at {self.viewed_at:%Y-%m-%d %H:%M}"
