"""Two-factor sign-in with django-otp: an authenticator app (TOTP) and recovery codes.

- Who needs a second factor is decided in partnerships/access.py (second_factor_required):
  Panel staff, superusers and members of a partnership that requires it. Anyone else who has
  set one up is asked for it too.
- After the password, sign-in marks the session as needing a second factor (SESSION_KEY) when
  the person needs one or has one. SecondFactorMiddleware then sends them to the code page, or
  to set-up when they have no device yet, until django-otp marks the session verified. People
  who neither need nor have one cost no query at all.
- A wrong code counts against the account in django-axes exactly like a wrong password
  (partnerships/signin.py), so five wrong passwords or codes lock it for the cool-off time.
- Secrets and codes are never logged, nor stored by axes (AXES_SENSITIVE_PARAMETERS).
"""

import re
from base64 import b32encode
from urllib.parse import urlencode

import segno
from django.contrib.auth.signals import user_logged_in
from django.db import transaction
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.safestring import mark_safe
from django_otp import login as otp_login
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from . import access

SESSION_KEY = "second_factor_needed"
# Where the codes made at set-up wait, in the session only, to be shown once.
NEW_CODES_SESSION_KEY = "second_factor_new_codes"
# The key of an app being set up, until a code from it confirms it.
PENDING_KEY_SESSION_KEY = "second_factor_pending_key"
RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Authenticator app"
STATIC_DEVICE_NAME = "Recovery codes"
QR_LABEL = "QR code to scan with your authenticator app"

# Paths a person part-way through signing in may still reach.
EXEMPT_URL_NAMES = ("login_verify", "two_factor_set_up", "logout")


def totp_device(user) -> TOTPDevice | None:
    """The person's confirmed authenticator app device, if any."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_second_factor(user) -> bool:
    """Whether the person has a confirmed authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def recovery_codes_left(user) -> int:
    """How many unused recovery codes the person has."""
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def session_verified(request) -> bool:
    """Whether django-otp has verified this session with a second factor."""
    user = request.user
    return user.is_authenticated and user.is_verified()


def secret_in_groups(device: TOTPDevice) -> str:
    """The device's key in base32, as authenticator apps take it typed in, in groups of 4."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as a QR code, inline SVG markup (no data: image,
    which the Content-Security-Policy's img-src 'self' refuses)."""
    svg = segno.make(device.config_url, error="m").svg_inline(
        scale=4, dark="#0b0c0c", light="#ffffff", svgclass="app-qr-code"
    )
    # Markup segno made from the address alone: no text from a person reaches it.
    return mark_safe(  # noqa: S308
        svg.replace("<svg ", f'<svg role="img" aria-label="{QR_LABEL}" focusable="false" ', 1)
    )


def normalise_code(code: str) -> str:
    """A typed code without spaces or dashes, in lower case."""
    return re.sub(r"[\s-]", "", code or "").lower()


def recovery_code_in_groups(token: str) -> str:
    """A recovery code as shown: two groups of 4."""
    return " ".join(token[i : i + 4] for i in range(0, len(token), 4))


def needs_second_factor(user) -> bool:
    """Whether sign-in must ask this person for a second factor (queries; at sign-in only)."""
    return access.second_factor_required(user) or has_second_factor(user)


@receiver(user_logged_in, dispatch_uid="partnerships.two_factor.mark_session")
def _mark_session(sender, request, user, **kwargs):
    """After the password: mark the session as needing a second factor, when it does."""
    if request is not None and hasattr(request, "session") and needs_second_factor(user):
        request.session[SESSION_KEY] = True


def second_factor_redirect(request):
    """Send someone without a verified second factor to enter one, or to set one up."""
    name = "login_verify" if has_second_factor(request.user) else "two_factor_set_up"
    return redirect(f"{reverse(name)}?{urlencode({'next': request.get_full_path()})}")


class SecondFactorMiddleware:
    """Nothing but the code and set-up pages until a session that needs a second factor has one.

    Comes after django_otp's OTPMiddleware, which gives request.user.is_verified().
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self._exempt = None

    def exempt_paths(self):
        if self._exempt is None:
            self._exempt = {reverse(name) for name in EXEMPT_URL_NAMES}
        return self._exempt

    def __call__(self, request):
        session = getattr(request, "session", None)
        if (
            session is not None
            and session.get(SESSION_KEY)
            and request.user.is_authenticated
            and not request.user.is_verified()
            and request.path_info not in self.exempt_paths()
        ):
            return second_factor_redirect(request)
        return self.get_response(request)


# Services -------------------------------------------------------------------


def totp_device_start(*, request) -> TOTPDevice:
    """The authenticator app being set up, unsaved: its key waits in the (server-side)
    session, so looking at the set-up page writes nothing, and reloading it keeps the key."""
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = default_key()
        request.session[PENDING_KEY_SESSION_KEY] = key
    return TOTPDevice(user=request.user, name=TOTP_DEVICE_NAME, key=key, confirmed=False)


def recovery_codes_make(*, user) -> list[str]:
    """Replace the person's recovery codes with RECOVERY_CODE_COUNT new ones; returns them."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=STATIC_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    return codes


def totp_device_confirm(*, request, device: TOTPDevice, code: str) -> list[str] | None:
    """Save the app being set up once a code from it is right, replacing any other app: mark
    the session verified and return new recovery codes. None when the code is wrong."""
    code = normalise_code(code)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not (code.isdigit() and len(code) <= device.digits and totp.verify(int(code), 1)):
        return None
    device.last_t = totp.t()
    device.confirmed = True
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).delete()
        device.save()
        codes = recovery_codes_make(user=device.user)
    otp_login(request, device)
    request.session.pop(SESSION_KEY, None)
    request.session.pop(PENDING_KEY_SESSION_KEY, None)
    return codes


def second_factor_check(*, user, code: str):
    """The device a typed code verifies (the app's 6 digits or an unused recovery code, which
    is then spent), or None."""
    code = normalise_code(code)
    if not code:
        return None
    if code.isdigit():
        device = totp_device(user)
        return device if device is not None and device.verify_token(code) else None
    for device in StaticDevice.objects.filter(user=user, confirmed=True):
        if device.verify_token(code):  # deletes the token it matched
            return device
    return None


def partnership_two_factor_set(*, partnership, required: bool, by) -> None:
    """A lead's choice whether every member needs a second factor; history records who and
    when. Members signed in already are asked for one on the partnership's next page."""
    from .models import Partnership

    with transaction.atomic():
        locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
        if locked.requires_two_factor == required:
            return
        locked.requires_two_factor = required
        locked._history_user = by
        locked.save(update_fields=["requires_two_factor"])
    partnership.requires_two_factor = required
