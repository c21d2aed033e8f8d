"""A client for any OpenAI-compatible chat-completions endpoint that never holds a reader up.

Calls run on a small thread pool. A caller waits at most `timeout` seconds for an answer; a slow
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
from collections import OrderedDict
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

import httpx

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
    response = httpx.post(completions_url(settings.url), json=body, headers=headers,
                          timeout=httpx.Timeout(limit, connect=min(limit, 3.0)))
    response.raise_for_status()
    try:
        return str(response.json()["choices"][0]["message"]["content"])
    except (KeyError, IndexError, TypeError, json.JSONDecodeError) as exc:
        raise ValueError(f"llm: unexpected reply from {settings.url}") from exc


class Generator:
    """Non-blocking access to one endpoint: cached results, background calls, a circuit breaker."""

    def __init__(self, settings: LLMSettings, workers: int = 2):
        self.settings = settings
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="llm")
        self.cache: OrderedDict[str, str] = OrderedDict()
        self.pending: dict[str, Future] = {}
        self.skip_until = 0.0
        self.lock = threading.Lock()

    def _call(self, key: str, messages: list[dict]) -> str | None:
        try:
            text = call_chat(self.settings, messages)
        except (httpx.HTTPError, ValueError) as exc:
            log.warning("llm: %s failed (%s); showing extractive results for %.0f s", self.settings.url, exc, BACKOFF)
            with self.lock:
                self.skip_until = time.monotonic() + BACKOFF
                self.pending.pop(key, None)
            return None
        with self.lock:
            self.cache[key] = text
            while len(self.cache) > CACHE_SIZE:
                self.cache.popitem(last=False)
            self.pending.pop(key, None)
            self.skip_until = 0.0
        return text

    def complete(self, messages: list[dict], wait: float | None = None) -> str | None:
        """The reply if it is cached or arrives within `wait` seconds (default: the setting), else None."""
        key = hashlib.sha256(json.dumps(messages, sort_keys=True).encode("utf-8")).hexdigest()
        with self.lock:
            if key in self.cache:
                return self.cache[key]
            if time.monotonic() < self.skip_until:
                return None
            future = self.pending.get(key)
            if future is None:
                future = self.pending[key] = self.pool.submit(self._call, key, messages)
        try:
            return future.result(timeout=self.settings.timeout if wait is None else wait)
        except FutureTimeout:
            with self.lock:
                self.skip_until = time.monotonic() + BACKOFF
            return None

    def close(self) -> None:
        """Stop the pool without waiting for calls in flight."""
        self.pool.shutdown(wait=False, cancel_futures=True)


_generators: dict[LLMSettings, Generator] = {}
_registry_lock = threading.Lock()


def generator_for(settings: LLMSettings) -> Generator | None:
    """The shared generator for these settings (None when no endpoint is configured)."""
    if not settings.url:
        return None
    with _registry_lock:
        if settings not in _generators:
            _generators[settings] = Generator(settings)
        return _generators[settings]
