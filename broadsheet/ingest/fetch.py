"""Polite HTTP fetching: per-host and global limits, timeouts, size caps, conditional GET,
robots.txt, manual redirects (loop detection) and an SSRF guard checked on every hop."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpx
from protego import Protego

from broadsheet.errors import FetchError
from broadsheet.ingest.charset import decode_bytes

MAX_REDIRECTS = 5


@dataclass
class FetchResult:
    """One HTTP response, body already read (and capped)."""

    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None

    @property
    def not_modified(self) -> bool:
        """True when a conditional GET answered 304."""
        return self.status == 304

    @property
    def text(self) -> str:
        """Body decoded by header, declaration or detection."""
        return decode_bytes(self.content, self.content_type)


@dataclass
class FetchPolicy:
    """The limits a Fetcher applies."""

    user_agent: str = "Broadsheet/0.1 (self-hosted news reader)"
    total_timeout: float = 15.0
    connect_timeout: float = 5.0
    max_body_bytes: int = 10_000_000
    per_host: int = 2
    global_limit: int = 16
    allow_private: bool = False
    obey_robots: bool = True
    allowed_hosts: set[str] = field(default_factory=set)


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    now = now or datetime.now(timezone.utc)
    return max(0.0, (when - now).total_seconds())


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def check_address(url: str, policy: FetchPolicy) -> None:
    """Refuse URLs whose host resolves to loopback, private, link-local or metadata addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"fetch: only http and https URLs can be fetched, not {url!r}")
    host = parts.hostname or ""
    if not host:
        raise FetchError(f"fetch: {url!r} has no host")
    if policy.allow_private or host in policy.allowed_hosts:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"fetch: cannot resolve {host} ({exc.strerror})") from exc
    for info in infos:
        if not _is_public(info[4][0]):
            raise FetchError(f"fetch: {host} resolves to the non-public address {info[4][0]}; refused "
                             "(set BROADSHEET_ALLOW_PRIVATE_ADDRESSES=true to allow)")


class Fetcher:
    """An async HTTP client that is polite to each host. Use as `async with Fetcher(policy)`."""

    def __init__(self, policy: FetchPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None):
        self.policy = policy or FetchPolicy()
        timeout = httpx.Timeout(self.policy.total_timeout, connect=self.policy.connect_timeout)
        self._client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=transport,
                                         headers={"User-Agent": self.policy.user_agent})
        self._global = asyncio.Semaphore(self.policy.global_limit)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._robots: dict[str, Protego | None] = {}

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    def _host_slot(self, url: str) -> asyncio.Semaphore:
        host = urlsplit(url).netloc.lower()
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.policy.per_host)
        return self._hosts[host]

    async def _read_capped(self, response: httpx.Response, url: str) -> bytes:
        """Read the (decompressed) body, stopping at the size cap."""
        chunks, size = [], 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > self.policy.max_body_bytes:
                raise FetchError(f"fetch: {url} is larger than {self.policy.max_body_bytes:,} bytes; cut off")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _get_once(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        async with self._global, self._host_slot(url):
            async with self._client.stream("GET", url, headers=headers) as response:
                body = b"" if response.is_redirect else await self._read_capped(response, url)
                return response, body

    async def _allowed_by_robots(self, url: str) -> bool:
        """Consult (and cache) the host's robots.txt; unreachable robots.txt allows all."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots:
            rules = None
            try:
                response, body = await self._get_once(origin + "/robots.txt", {})
                if response.status_code == 200:
                    rules = Protego.parse(decode_bytes(body, response.headers.get("content-type")))
            except (httpx.HTTPError, FetchError):
                rules = None
            self._robots[origin] = rules
        rules = self._robots[origin]
        return rules is None or rules.can_fetch(url, self.policy.user_agent)

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET a URL within the policy; raise FetchError on failure, return 304s as results."""
        try:
            async with asyncio.timeout(self.policy.total_timeout):
                return await self._fetch(url, etag, last_modified)
        except TimeoutError as exc:
            raise FetchError(f"fetch: {url} took longer than {self.policy.total_timeout:g} s; gave up") from exc

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: list[str] = []
        current = url
        while True:
            await check_address(current, self.policy)
            if self.policy.obey_robots and not await self._allowed_by_robots(current):
                raise FetchError(f"fetch: robots.txt of {urlsplit(current).netloc} disallows {current}")
            try:
                response, body = await self._get_once(current, headers)
            except httpx.TimeoutException as exc:
                raise FetchError(f"fetch: {current} timed out ({type(exc).__name__})") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"fetch: {current} failed ({exc.__class__.__name__}: {exc})") from exc
            if response.is_redirect and "location" in response.headers:
                seen.append(current)
                current = urljoin(current, response.headers["location"])
                if current in seen:
                    raise FetchError(f"fetch: redirect loop at {current}")
                if len(seen) > MAX_REDIRECTS:
                    raise FetchError(f"fetch: more than {MAX_REDIRECTS} redirects from {url}")
                continue
            return self._result(current, response, body)

    def _result(self, url: str, response: httpx.Response, body: bytes) -> FetchResult:
        status = response.status_code
        if status >= 400:
            retry = retry_after_seconds(response.headers.get("retry-after"))
            hint = f", retry after {retry:g} s" if retry is not None else ""
            raise FetchError(f"fetch: {status} from {urlsplit(url).netloc}{hint}", http_status=status, retry_after=retry)
        return FetchResult(url=url, status=status, content=body, content_type=response.headers.get("content-type", ""),
                           etag=response.headers.get("etag"), last_modified=response.headers.get("last-modified"))
