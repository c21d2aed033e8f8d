"""A client for any OpenAI-compatible chat-completions endpoint that never holds a reader up.

Calls run on background daemon threads (two at a time per endpoint). A caller waits at most `timeout` seconds for an answer; a slow
call goes on in the background and its result is cached for the next reader. After a failure
(refused connection, error status) or a slow answer, callers skip the endpoint for a while and get
the extractive result at once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from dataclasses import dataclass

import httpx
from cachetools import LRUCache

log = logging.getLogger(__name__)
HARD_LIMIT = 60.0  # seconds a background call may take in all
BACKOFF = 30.0  # seconds the endpoint is skipped after a failure or a slow answer
CACHE_SIZE = 512


@dataclass(frozen=True)
class LLMSettings:
    """Where the endpoint is and how long a reader may wait for it."""

    url: str
    model: str = ""
    key: str = ""
    timeout: float = 2.0


def completions_url(url: str) -> str:
    """The chat-completions URL for a base URL ("http://host/v1") or a full one."""
    url = url.rstrip("/")
    return url if url.endswith("/chat/completions") else f"{url}/chat/completions"


def call_chat(settings: LLMSettings, messages: list[dict], limit: float = HARD_LIMIT) -> str:
    """One blocking chat completion; raises httpx errors or ValueError on a malformed reply."""
    headers = {"Authorization": f"Bearer {settings.key}"} if settings.key else {}
    body = {"model": settings.model or "default", "messages": messages, "temperature": 0}
    response = httpx.post(
        completions_url(settings.url), json=body, headers=headers, timeout=httpx.Timeout(limit, connect=min(limit, 3.0))
    )
    response.raise_for_status()
    try:
        return str(response.json()["choices"][0]["message"]["content"])
    except (KeyError, IndexError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"llm: unexpected reply from {settings.url}") from exc


class _Call:
    """One call in flight: a daemon thread (a process never waits for a slow endpoint to exit)."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.text: str | None = None


class Generator:
    """Non-blocking access to one endpoint: cached results, background calls, a circuit breaker."""

    def __init__(self, settings: LLMSettings, workers: int = 2):
        self.settings = settings
        self.slots = threading.BoundedSemaphore(workers)
        self.cache: LRUCache[str, str] = LRUCache(CACHE_SIZE)
        self.pending: dict[str, _Call] = {}
        self.skip_until = 0.0
        self.lock = threading.Lock()

    def _run(self, key: str, messages: list[dict], call: _Call) -> None:
        with self.slots:
            try:
                call.text = call_chat(self.settings, messages)
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("llm: %s failed (%s); extractive results for %.0f s", self.settings.url, exc, BACKOFF)
                with self.lock:
                    self.skip_until = time.monotonic() + BACKOFF
            else:
                with self.lock:
                    self.cache[key] = call.text
                    self.skip_until = 0.0
            finally:
                with self.lock:
                    self.pending.pop(key, None)
                call.done.set()

    def complete(self, messages: list[dict], wait: float | None = None) -> str | None:
        """The reply if it is cached or arrives within `wait` seconds (default: the setting), else None."""
        key = hashlib.sha256(json.dumps(messages, sort_keys=True).encode("utf-8")).hexdigest()
        with self.lock:
            if key in self.cache:
                return self.cache[key]
            if time.monotonic() < self.skip_until:
                return None
            call = self.pending.get(key)
            if call is None:
                call = self.pending[key] = _Call()
                threading.Thread(target=self._run, args=(key, messages, call), name="llm", daemon=True).start()
        if call.done.wait(self.settings.timeout if wait is None else wait):
            return call.text
        with self.lock:
            self.skip_until = time.monotonic() + BACKOFF  # slow: later readers do not wait for it either
        return None

    def close(self) -> None:
        """Forget cached replies (calls in flight end on their own; their threads are daemons)."""
        with self.lock:
            self.cache.clear()


def generator_for(settings: LLMSettings) -> Generator | None:
    """The shared generator for these settings in the process's context (None without an endpoint)."""
    if not settings.url:
        return None
    from broadsheet.context import current

    def build() -> Generator:
        generator = Generator(settings)
        context.on_close(generator.close)
        return generator

    context = current()
    return context.shared("llm-generator", settings, build)
