"""Polite HTTP fetching: per-host and global limits with a minimum delay per host, timeouts,
size caps (also after decompression), conditional GET, robots.txt, manual redirects with loop
detection, and an SSRF guard checked on every hop against the address actually connected to."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from aiolimiter import AsyncLimiter
from cachetools import LRUCache, TTLCache
from protego import Protego

from broadsheet.errors import FetchError
from broadsheet.text.charset import decode_bytes

MAX_REDIRECTS = 5
ROBOTS_TTL = 24 * 3600.0  # seconds a host's robots.txt is trusted before it is fetched again
ROBOTS_HOSTS = 10_000  # hosts whose robots.txt is remembered at once (the least recently used go first)


@dataclass
class FetchResult:
    """One HTTP response, body already read (and capped)."""

    url: str
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    headers: dict[str, str] = field(default_factory=dict)

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
    read_timeout: float = 10.0  # longest silence between two chunks
    max_body_bytes: int = 10_000_000
    per_host: int = 2
    per_host_delay: float = 0.0  # seconds between the starts of two requests to one host
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
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def is_public_address(address: str) -> bool:
    """True for globally routable unicast addresses (not loopback, private, link-local or metadata)."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


async def resolve_checked(url: str, policy: FetchPolicy) -> str | None:
    """Resolve the URL's host and refuse non-public addresses; returns the address to connect to
    (None when the host is explicitly allowed and left to the HTTP client)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"fetch: only http and https URLs can be fetched, not {url!r}")
    host = parts.hostname or ""
    if not host:
        raise FetchError(f"fetch: {url!r} has no host")
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, parts.port or 80, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"fetch: cannot resolve {host} ({exc.strerror})") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not (policy.allow_private or host in policy.allowed_hosts):
        for address in addresses:
            if not is_public_address(address):
                raise FetchError(
                    f"fetch: {host} resolves to the non-public address {address}; refused "
                    "(set BROADSHEET_ALLOW_PRIVATE_ADDRESSES=true to allow)"
                )
    return addresses[0]


def _pinned(url: str, address: str | None) -> tuple[str, dict[str, str], dict]:
    """Rewrite the URL to the checked address so a second DNS answer cannot redirect the request
    (DNS rebinding); Host header and TLS SNI keep the original name."""
    parts = urlsplit(url)
    if address is None or parts.hostname == address:
        return url, {}, {}
    ip = f"[{address}]" if ":" in address else address
    netloc = f"{ip}:{parts.port}" if parts.port else ip
    host_header = parts.netloc.rsplit("@", 1)[-1]
    extensions = {"sni_hostname": parts.hostname} if parts.scheme == "https" else {}
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), {"Host": host_header}, extensions


class _Decoder:
    """Content-Encoding decoding with a hard output cap, so a gzip bomb is cut off early."""

    def __init__(self, encoding: str, limit: int, url: str):
        encoding = encoding.lower().strip()
        if encoding in ("", "identity"):
            self._zlib = None
        elif encoding in ("gzip", "x-gzip"):
            self._wbits = 16 + zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(self._wbits)
        elif encoding == "deflate":
            self._wbits = zlib.MAX_WBITS
            self._zlib = zlib.decompressobj(self._wbits)
        else:
            raise FetchError(f"fetch: {url} uses the unsupported content encoding {encoding!r}")
        self.limit, self.url, self.size = limit, url, 0
        self.chunks: list[bytes] = []

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.limit:
            raise FetchError(f"fetch: {self.url} is larger than {self.limit:,} bytes; cut off")
        self.chunks.append(data)

    def feed(self, raw: bytes) -> None:
        if self._zlib is None:
            self._keep(raw)
            return
        try:
            pending = raw
            while pending:
                self._keep(self._zlib.decompress(pending, self.limit - self.size + 1))
                pending = self._zlib.unconsumed_tail  # more output waits: keep pulling, capped each time
                if not pending and self._zlib.eof and self._zlib.unused_data:
                    # A gzip stream may hold several members back to back: continue with the next.
                    pending = self._zlib.unused_data
                    self._zlib = zlib.decompressobj(self._wbits)
        except zlib.error as exc:
            raise FetchError(f"fetch: {self.url} sent a corrupt compressed body ({exc})") from exc

    def result(self) -> bytes:
        return b"".join(self.chunks)


class Fetcher:
    """An async HTTP client that is polite to each host. Use as `async with Fetcher(policy)`."""

    def __init__(self, policy: FetchPolicy | None = None, transport: httpx.AsyncBaseTransport | None = None):
        self.policy = policy or FetchPolicy()
        timeout = httpx.Timeout(self.policy.read_timeout, connect=self.policy.connect_timeout)
        self._client = httpx.AsyncClient(
            timeout=timeout,
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": self.policy.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self._global = asyncio.Semaphore(self.policy.global_limit)
        self._hosts: dict[str, asyncio.Semaphore] = {}
        self._pacers: dict[str, AsyncLimiter] = {}
        # Bounded: a desk of many thousand hosts keeps the rules of those it fetched from lately.
        self._robots: TTLCache[str, Protego | None] = TTLCache(ROBOTS_HOSTS, ROBOTS_TTL)
        self._robots_locks: LRUCache[str, asyncio.Lock] = LRUCache(ROBOTS_HOSTS)

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def _host_slot(self, host: str) -> asyncio.Semaphore:
        if host not in self._hosts:
            self._hosts[host] = asyncio.Semaphore(self.policy.per_host)
        return self._hosts[host]

    async def _wait_turn(self, host: str) -> None:
        """Keep at least per_host_delay between request starts to one host (a leaky bucket of one)."""
        if self.policy.per_host_delay <= 0:
            return
        if host not in self._pacers:
            self._pacers[host] = AsyncLimiter(1, self.policy.per_host_delay)
        await self._pacers[host].acquire()

    async def _get_once(self, url: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
        address = await resolve_checked(url, self.policy)
        target, extra_headers, extensions = _pinned(url, address)
        host = urlsplit(url).netloc.lower()
        # Host slot and politeness delay first, global slot last: a request waiting for its host
        # must not hold one of the global slots that requests to idle hosts could use.
        async with self._host_slot(host):
            await self._wait_turn(host)
            async with self._global:
                # The budget starts once the request may go: queueing is not the host's fault.
                try:
                    async with asyncio.timeout(self.policy.total_timeout):
                        return await self._send(target, {**headers, **extra_headers}, extensions, url)
                except TimeoutError as exc:
                    raise FetchError(f"fetch: {url} took longer than {self.policy.total_timeout:g} s; gave up") from exc

    async def _send(
        self, target: str, headers: dict[str, str], extensions: dict, url: str
    ) -> tuple[httpx.Response, bytes]:
        request = self._client.build_request("GET", target, headers=headers, extensions=extensions)
        response = await self._client.send(request, stream=True)
        try:
            if response.is_redirect or response.status_code == 304:
                return response, b""
            decoder = _Decoder(response.headers.get("content-encoding", ""), self.policy.max_body_bytes, url)
            async for raw in response.aiter_raw():
                decoder.feed(raw)
            return response, decoder.result()
        finally:
            await response.aclose()

    async def _allowed_by_robots(self, url: str) -> bool:
        """Consult (and cache for a day) the host's robots.txt; an unreachable robots.txt allows all."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        lock = self._robots_locks.setdefault(origin, asyncio.Lock())
        async with lock:  # one robots.txt request per host, however many URLs wait for it
            if origin not in self._robots:
                self._robots[origin] = await self._robots_rules(origin)
            rules = self._robots.get(origin)
        return rules is None or rules.can_fetch(url, self.policy.user_agent)

    async def _robots_rules(self, origin: str) -> Protego | None:
        """The host's robots.txt rules; None (allow all) when it has none or cannot be read."""
        try:
            response, body = await self._get_once(origin + "/robots.txt", {})
        except (httpx.HTTPError, FetchError):
            return None
        if response.status_code != 200:
            return None
        return Protego.parse(decode_bytes(body, response.headers.get("content-type")))

    async def fetch(self, url: str, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET a URL within the policy; raise FetchError on failure, return 304s as results.

        Each request gets `total_timeout` once it holds its host slot, so a slow-drip server is cut
        off while a long queue of polite waits is not."""
        return await self._fetch(url, etag, last_modified)

    async def _fetch(self, url: str, etag: str | None, last_modified: str | None) -> FetchResult:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: list[str] = []
        current = url
        while True:
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
            raise FetchError(
                f"fetch: {status} from {urlsplit(url).netloc}{hint}", http_status=status, retry_after=retry
            )
        return FetchResult(
            url=url,
            status=status,
            content=body,
            content_type=response.headers.get("content-type", ""),
            etag=response.headers.get("etag"),
            last_modified=response.headers.get("last-modified"),
            headers=dict(response.headers),
        )
