"""WebSub (W3C): subscribe to a feed's hub so new entries are pushed instead of polled.

Pure parts: building the subscription request and verifying pushed content. The pipeline
stores the subscription on the source; the web app exposes the callback.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

LEASE = timedelta(days=10)  # asked of the hub; renewed when less than a day remains
RENEW_BEFORE = timedelta(days=1)
_ALGORITHMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


@dataclass
class Subscription:
    """What we ask a hub for: pushes of `topic` to `callback`, signed with `secret`."""

    hub: str
    topic: str
    callback: str
    secret: str

    def form(self, mode: str = "subscribe") -> dict[str, str]:
        """The form body of the subscription request (hub.mode subscribe or unsubscribe)."""
        return {
            "hub.mode": mode,
            "hub.topic": self.topic,
            "hub.callback": self.callback,
            "hub.secret": self.secret,
            "hub.lease_seconds": str(int(LEASE.total_seconds())),
        }


def new_subscription(hub: str, topic: str, public_url: str, source_id: int) -> Subscription:
    """A subscription with a fresh secret; the callback names the source."""
    return Subscription(
        hub=hub, topic=topic, callback=f"{public_url.rstrip('/')}/websub/{source_id}", secret=secrets.token_hex(24)
    )


def signature_valid(secret: str, body: bytes, header: str | None) -> bool:
    """Check X-Hub-Signature ("sha256=<hex>"); unknown algorithms and missing headers fail."""
    if not secret or not header or "=" not in header:
        return False
    algorithm, _, received = header.partition("=")
    digest = _ALGORITHMS.get(algorithm.strip().lower())
    if digest is None:
        return False
    expected = hmac.new(secret.encode(), body, digest).hexdigest()
    return hmac.compare_digest(expected, received.strip().lower())


def sign(secret: str, body: bytes, algorithm: str = "sha256") -> str:
    """The X-Hub-Signature header a hub would send for `body` (used by tests and tools)."""
    return f"{algorithm}=" + hmac.new(secret.encode(), body, _ALGORITHMS[algorithm]).hexdigest()
