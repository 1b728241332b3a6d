"""How django-axes counts failed sign-ins here, named in the AXES_* settings.

- Failures count per account: the typed address in the user manager's normal form, the same
  form sign-in looks the account up by, so letter case or spaces never make a fresh count.
- A success clears only the failures on the account that signed in.
- A client address is locked too, but only after many more failures
  (SIGNIN_ADDRESS_FAILURE_LIMIT), against one password tried over many names.
- The client address is REMOTE_ADDR, or read from the proxy header named in
  SIGNIN_CLIENT_IP_HEADER when one is configured, SIGNIN_TRUSTED_PROXIES entries from its right.
"""

import ipaddress
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render

from .models import User

# AccessAttempt.username is a varchar(255); lower-casing can lengthen a string ("İ" is 2).
USERNAME_MAX_LENGTH = AccessAttempt._meta.get_field("username").max_length


def attempt_username(request, credentials=None):
    """The name a sign-in attempt counts against: the typed address in its normal form."""
    field = settings.AXES_USERNAME_FORM_FIELD
    if credentials is not None and field in credentials:
        typed = credentials[field]
    else:
        typed = getattr(request, "POST", {}).get(field)
    return User.objects.normalize_email(typed)[:USERNAME_MAX_LENGTH] or None


def _address(value: str) -> str | None:
    """One address in canonical form, without a port; None unless it is a plain IP address."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [IPv6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # IPv4:port
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if getattr(address, "scope_id", None):  # fe80::1%eth0 is no address a database stores
        return None
    return str(getattr(address, "ipv4_mapped", None) or address)


def client_ip_address(request) -> str | None:
    """The client's address: from the configured proxy header only, else REMOTE_ADDR.

    Each trusted proxy appends the address it was reached from, so the client is the entry
    SIGNIN_TRUSTED_PROXIES from the right; anything further left is whatever the client sent.
    A missing or malformed entry falls back to REMOTE_ADDR.
    """
    connecting = _address(request.META.get("REMOTE_ADDR", ""))
    header = settings.SIGNIN_CLIENT_IP_HEADER
    if not header:
        return connecting
    hops = request.META.get("HTTP_" + header.upper().replace("-", "_"), "").split(",")
    proxies = settings.SIGNIN_TRUSTED_PROXIES
    if len(hops) < proxies:
        return connecting
    return _address(hops[-proxies]) or connecting


def wait_in_words(wait: timedelta) -> str:
    """A lockout's length as people say it: "30 minutes", "1 hour"."""
    minutes = max(1, round(wait.total_seconds() / 60))
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def lockout_wait(request=None) -> str:
    """How long signing in stays locked, in words, from AXES_COOLOFF_TIME."""
    return wait_in_words(get_cool_off(request))


def locked_out_response(request, original_response=None, credentials=None):
    """The locked-out page: what to do and when, the same whichever limit was reached."""
    return render(
        request,
        settings.AXES_LOCKOUT_TEMPLATE,
        {"wait": lockout_wait(request)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )


class SignInAttemptHandler(AxesDatabaseHandler):
    """Axes' database handler, plus a limit per client address and a reset per account only.

    AXES_LOCKOUT_PARAMETERS is ["username"], so Axes itself locks an account after
    AXES_FAILURE_LIMIT failures from anywhere; this adds the address's own, higher limit.
    """

    def address_failures(self, request) -> int:
        """Failures from the request's client address within the cool-off, on any name."""
        attempts = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def address_locked(self, request) -> bool:
        return self.address_failures(request) >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.address_locked(request)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out:
            return
        if self.is_whitelisted(request, credentials) or not self.address_locked(request):
            return
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send(
            "axes",
            request=request,
            username=get_client_username(request, credentials),
            ip_address=request.axes_ip_address,
        )

    def reset_user_attempts(self, request, credentials=None) -> int:
        """On success, clear the failures on that person's own account, from any address.

        Never the address's failures on other names: otherwise signing in to one's own
        account between guesses would wipe the count on the account being guessed.
        """
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
