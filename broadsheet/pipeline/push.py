"""WebSub in the pipeline: subscribe to hubs that feeds advertise, confirm the hub's
verification, and take in pushed entries (which then go through the usual fetch stage)."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from broadsheet.config import Config
from broadsheet.errors import BroadsheetError, FetchError
from broadsheet.ingest.feeds import parse_source_document
from broadsheet.ingest.fetch import FetchPolicy, resolve_checked
from broadsheet.ingest.websub import LEASE, RENEW_BEFORE, new_subscription, signature_valid
from broadsheet.model import ParsedFeed, Source
from broadsheet.pipeline import stages
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store

log = logging.getLogger(__name__)


def needs_subscription(source: Source, feed: ParsedFeed, config: Config) -> bool:
    """True when the feed advertises a hub, we have a public URL, and no live lease covers it."""
    if not (config.public_url and feed.hub):
        return False
    now = stages.now_utc()
    if (
        source.websub_state == "requested"
        and source.websub_requested_at
        and now - source.websub_requested_at < timedelta(hours=1)
    ):
        return False  # the hub is still verifying our last request
    return (
        source.websub_state != "active"
        or source.websub_hub != feed.hub
        or source.websub_expires_at is None
        or source.websub_expires_at - now < RENEW_BEFORE
    )


async def subscribe(engine: Engine, config: Config, policy: FetchPolicy, source: Source, hub: str) -> None:
    """Ask the hub to push this feed to us; the outcome is recorded on the source."""
    subscription = new_subscription(hub, source.feed_url, config.public_url, source.key)
    try:
        await resolve_checked(hub, policy)
        async with httpx.AsyncClient(timeout=policy.total_timeout, headers={"User-Agent": policy.user_agent}) as client:
            response = await client.post(hub, data=subscription.form())
        if response.status_code not in (202, 204):
            raise FetchError(f"websub: hub {hub} answered {response.status_code} to our subscription")
    except (httpx.HTTPError, BroadsheetError) as exc:
        source_store.record_websub(engine, source.key, hub=hub, state="failed", error=f"websub: {exc}")
        log.warning("websub: subscribing source %s at %s failed: %s", source.id, hub, exc)
        return
    source_store.record_websub(
        engine, source.key, hub=hub, secret=subscription.secret, state="requested", requested_at=stages.now_utc()
    )


def verify_intent(engine: Engine, source_id: int, mode: str, topic: str, lease_seconds: str | None) -> bool:
    """Answer a hub's verification: only for the topic and mode we asked for."""
    source = source_store.get_source(engine, source_id)
    if topic != source.feed_url or mode not in ("subscribe", "unsubscribe"):
        return False
    if mode == "unsubscribe":
        source_store.record_websub(engine, source_id, state="ended")
        return True
    if source.websub_state not in ("requested", "active"):
        return False
    try:
        lease = timedelta(seconds=int(lease_seconds)) if lease_seconds else LEASE
    except ValueError:
        lease = LEASE
    source_store.record_websub(engine, source_id, state="active", expires_at=stages.now_utc() + lease)
    return True


def receive_push(
    engine: Engine, source_id: int, body: bytes, signature: str | None, content_type: str | None = None
) -> int:
    """Store the new entries of a pushed feed document; returns how many were new.

    Unsigned or wrongly signed pushes are ignored (and noted on the source), as the spec asks."""
    source = source_store.get_source(engine, source_id)
    if not signature_valid(source.websub_secret or "", body, signature):
        source_store.record_websub(engine, source_id, error="websub: ignored a push with a missing or wrong signature")
        return 0
    try:
        feed = parse_source_document(body, source.feed_url, content_type)
    except BroadsheetError as exc:
        source_store.record_websub(engine, source_id, error=f"websub: pushed document unusable ({exc})")
        return 0
    pending = [stages.pending_from_entry(entry, source) for entry in feed.entries]
    known = article_store.known_ids(engine, [p.id for p in pending])
    new = [p for p in pending if p.id not in known]
    with engine.begin() as conn:
        article_store.add_pending(conn, new)
    source_store.record_websub(engine, source_id, error=None, pushed_at=stages.now_utc())
    return len(new)
