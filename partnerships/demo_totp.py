"""The demo's authenticator app for panel@example.org: a published key, for the demo only.

`manage.py seed_demo` gives the demo Panel persona a confirmed device with this key and
`manage.py demo_code` prints its current code; both refuse to run when DEBUG is off. Nothing
here imports Django's settings, so the benchmarks (benchmarks/journeys.py) compute the code too.
"""

from base64 import b32encode

from django_otp.oath import TOTP

# 20 bytes in hex, as django-otp stores a key. Published: never give a real account this key.
DEMO_TOTP_KEY = "64656d6f2d736166656775617264696e672d3230"


def demo_key_bytes() -> bytes:
    return bytes.fromhex(DEMO_TOTP_KEY)


def demo_secret() -> str:
    """The key as an authenticator app takes it typed in: base32, in groups of 4."""
    secret = b32encode(demo_key_bytes()).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def demo_code(step_ahead: int = 0) -> str:
    """The 6 digits the demo's app shows now (or `step_ahead` 30-second steps later)."""
    return f"{TOTP(demo_key_bytes(), drift=step_ahead).token():06d}"


def seconds_left() -> int:
    """Seconds until the demo code changes."""
    totp = TOTP(demo_key_bytes())
    return int(totp.step - (totp.time - totp.t0) % totp.step)
