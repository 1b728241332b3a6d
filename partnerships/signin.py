"""How django-axes counts failed sign-ins here, named in the AXES_* settings.

- Failures count per account: the typed address in the user manager's normal form, the same
  form sign-in looks the account up by, so letter case or spaces never make a fresh count.
- Each attempt is counted before its password is checked, so guesses sent all at once get no
  more checks than the limit; a success clears only the failures on the account signing in.
- A client address is locked too, but only after many more failures
  (SIGNIN_ADDRESS_FAILURE_LIMIT), against one password tried over many names.
- The client address is REMOTE_ADDR, or read from the proxy header named in
  SIGNIN_CLIENT_IP_HEADER when one is configured, SIGNIN_TRUSTED_PROXIES entries from its right.
"""

import ipaddress
from datetime import timedelta

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit, get_query_str
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db import router, transaction
from django.db.models import F, Sum
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
    """Axes' database handler, counting each attempt before its password is checked.

    AXES_LOCKOUT_PARAMETERS is ["username"], so an account's failures from anywhere add up to
    AXES_FAILURE_LIMIT; this adds the client address's own, higher limit.

    Axes checks the limit, checks the password, then records the failure, so guesses sent
    together all pass the check before any is recorded. Here the attempt is recorded first
    (when the backend asks whether it is allowed) and the check counts only earlier attempts:
    of guesses arriving together, each sees the ones recorded before it, so no more than the
    limit are ever checked. A success then deletes that account's attempts, this one included.
    Every attempt during a lock is counted too, so the lock lasts from the latest attempt.
    """

    def count_attempt(self, request, credentials) -> None:
        self.clean_expired_user_attempts(request, credentials)
        with transaction.atomic(using=router.db_for_write(AccessAttempt)):
            attempt, created = AccessAttempt.objects.select_for_update().get_or_create(
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
                defaults={
                    "get_data": get_query_str(request.GET).replace("\0", "0x00"),
                    "post_data": get_query_str(request.POST).replace("\0", "0x00"),
                    "http_accept": request.axes_http_accept,
                    "path_info": request.axes_path_info,
                    "failures_since_start": 1,
                    "attempt_time": request.axes_attempt_time,
                },
            )
            if not created:
                AccessAttempt.objects.filter(pk=attempt.pk).update(
                    failures_since_start=F("failures_since_start") + 1,
                    attempt_time=request.axes_attempt_time,
                    http_accept=request.axes_http_accept,
                    path_info=request.axes_path_info,
                )
        request.signin_attempt_counted = True

    def address_failures(self, request) -> int:
        """Failures from the request's client address within the cool-off, on any name."""
        attempts = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address,
            attempt_time__gte=get_cool_off_threshold(request),
        )
        return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0

    def limit_reached(self, request, credentials=None, *, before_this=False) -> bool:
        """Whether the account's or the address's failures have reached their limit.

        With before_this, the attempt being made (already counted) is left out.
        """
        this = 1 if before_this and getattr(request, "signin_attempt_counted", False) else 0
        account = self.get_failures(request, credentials) - this
        address = self.address_failures(request) - this
        return (
            account >= get_failure_limit(request, credentials)
            or address >= settings.SIGNIN_ADDRESS_FAILURE_LIMIT
        )

    def is_allowed(self, request, credentials=None) -> bool:
        # Called with credentials by AxesStandaloneBackend just before the password check.
        attempt = credentials is not None and not getattr(request, "signin_attempt_counted", False)
        if attempt and not self.is_whitelisted(request, credentials):
            self.count_attempt(request, credentials)
        return super().is_allowed(request, credentials)

    def is_locked(self, request, credentials=None) -> bool:
        return self.limit_reached(request, credentials, before_this=True)

    def user_login_failed(self, sender, credentials, request=None, **kwargs):
        if request is None or self.is_whitelisted(request, credentials):
            return
        if not getattr(request, "signin_attempt_counted", False):
            self.count_attempt(request, credentials)
        if self.limit_reached(request, credentials):
            request.axes_locked_out = True
            request.axes_credentials = credentials
            user_locked_out.send(
                "axes",
                request=request,
                username=get_client_username(request, credentials),
                ip_address=request.axes_ip_address,
            )

    def user_logged_in(self, sender, request, user, **kwargs):
        """A right password for someone who must still give a second factor clears nothing:
        only this attempt, counted before the check, is taken back. Their failures, wrong
        codes included, are cleared when the code is right (second_factor_passed), so
        signing in again with the password never buys more guesses at the code."""
        from . import two_factor

        if request is None or not two_factor.needs_second_factor(user):
            return super().user_logged_in(sender, request, user, **kwargs)
        if getattr(request, "signin_attempt_counted", False):
            attempts = AccessAttempt.objects.filter(
                username=get_client_username(request),
                ip_address=request.axes_ip_address,
                user_agent=request.axes_user_agent,
            )
            attempts.update(failures_since_start=F("failures_since_start") - 1)
            attempts.filter(failures_since_start__lte=0).delete()
            request.signin_attempt_counted = False
        return None

    def reset_user_attempts(self, request, credentials=None) -> int:
        """On success, clear the failures on that person's own account, from any address.

        Never the address's failures on other names: otherwise signing in to one's own
        account between guesses would wipe the count on the account being guessed.
        """
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count


def code_credentials(user: User) -> dict:
    """The credentials a second-factor attempt counts against: the account's own address,
    in the shape sign-in's password attempts have, so both add up to one limit."""
    return {settings.AXES_USERNAME_FORM_FIELD: user.email}


def code_attempt_allowed(request, user: User) -> bool:
    """Count a second-factor attempt before its code is checked (as passwords are), and say
    whether the account is still below its limit."""
    from axes.handlers.proxy import AxesProxyHandler

    return AxesProxyHandler.is_allowed(request, code_credentials(user))


def code_failed(request, user: User) -> bool:
    """Record a wrong code like a wrong password; True when the account is now locked."""
    user_login_failed.send(sender=__name__, credentials=code_credentials(user), request=request)
    return bool(getattr(request, "axes_locked_out", False))


def second_factor_passed(user: User) -> int:
    """The second factor was right: clear the account's failures, as a full sign-in does."""
    return account_unlock(user)


def account_unlock(user: User) -> int:
    """Clear the failed sign-ins on a person's account, from every address.

    For someone who has just chosen a new password through the link emailed to them: they
    have shown the address is theirs, so a lock someone else ran up on it should not keep
    them out for another half hour.
    """
    count, _ = AccessAttempt.objects.filter(
        username=User.objects.normalize_email(user.email)
    ).delete()
    return count
