"""The optional error tracker: Sentry (or a compatible service), only when SENTRY_DSN is set.

Nothing personal is sent: send_default_pii is off (no user email, address or cookies), and
before_send strips what is left that could hold it: request bodies (form answers), cookies,
query strings (dashboard filters), headers other than a few harmless ones, and any user
field but the id. Breadcrumbs of log lines are kept: the service's logs hold no personal
data either.
"""

from urllib.parse import urlsplit, urlunsplit

KEPT_HEADERS = {"content-type", "content-length", "host", "user-agent", "x-request-id"}
FILTERED = "[Filtered]"


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def before_send(event, hint):
    """Strip the request body, cookies, query string and user details from an event."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("data", "cookies", "query_string", "env"):
            if key in request:
                request[key] = FILTERED
        if isinstance(request.get("url"), str):
            request["url"] = _without_query(request["url"])
        headers = request.get("headers")
        if isinstance(headers, dict):
            request["headers"] = {
                name: (value if name.lower() in KEPT_HEADERS else FILTERED)
                for name, value in headers.items()
            }
    user = event.get("user")
    if isinstance(user, dict):
        event["user"] = {"id": user["id"]} if "id" in user else {}
    return event


def before_breadcrumb(crumb, hint):
    """Drop the query string from the address of an HTTP breadcrumb."""
    data = crumb.get("data")
    if isinstance(data, dict) and isinstance(data.get("url"), str):
        data["url"] = _without_query(data["url"])
        data.pop("http.query", None)
    return crumb


def init_sentry(*, dsn: str, environment: str, release: str, traces_sample_rate: float) -> None:
    """Start the tracker. Called from settings only when SENTRY_DSN is set."""
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=environment or None,
        release=release or None,
        integrations=[DjangoIntegration()],
        send_default_pii=False,
        max_request_body_size="never",
        traces_sample_rate=traces_sample_rate,
        before_send=before_send,
        before_breadcrumb=before_breadcrumb,
    )
