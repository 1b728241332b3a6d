from django.apps import AppConfig


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = "Partnerships and people"

    def ready(self):
        # Connects the sign-in signal that marks a session as needing a second factor.
        from . import two_factor  # noqa: F401
