"""Tables (SQLAlchemy Core). Changes go through a migration in migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)

metadata = MetaData()


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, naive UTC in the database (SQLite has no time zones)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("store: refusing a naive datetime; pass an aware one")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("feed_url", Text, nullable=False, unique=True),
    Column("title", Text, nullable=False, default=""),
    Column("site_url", Text, nullable=False, default=""),
    Column("folder", Text, nullable=False, server_default=""),  # migration 0017: OPML folders kept
    Column("etag", Text),
    Column("last_modified", Text),
    Column("last_fetched_at", UTCDateTime),
    Column("last_status", Integer),
    Column("error_count", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_check_at", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
    # WebSub (migration 0004): the hub the feed advertises and our subscription to it.
    Column("websub_hub", Text),
    Column("websub_secret", Text),
    Column("websub_state", String(16)),  # requested | active | failed | ended
    Column("websub_requested_at", UTCDateTime),
    Column("websub_expires_at", UTCDateTime),
    Column("websub_pushed_at", UTCDateTime),
    Column("websub_error", Text),
    # One poller at a time (migration 0012): owner "host:pid:start" and expiry of its claim.
    Column("lease_owner", Text),
    Column("lease_until", UTCDateTime),
)

articles = Table(
    "articles",
    metadata,
    Column("id", String(32), primary_key=True),  # hash of the canonical URL (or of the content)
    Column("url", Text, nullable=False),
    Column("arrival", Integer, nullable=False),  # order first seen: export and stories follow it
    Column("import_id", Text),
    Column("source_id", Integer, ForeignKey("sources.id", ondelete="SET NULL")),
    Column("source_name", Text, nullable=False, default=""),
    Column("title", Text, nullable=False, default=""),
    Column("byline", Text, nullable=False, default=""),
    Column("published_at", UTCDateTime),
    Column("fetched_at", UTCDateTime, nullable=False),
    Column("language", String(16), nullable=False, default=""),
    Column("site_name", Text, nullable=False, default=""),
    Column("image", Text, nullable=False, default=""),
    Column("text", Text, nullable=False, default=""),
    Column("status", String(16), nullable=False, default="ok"),  # ok | pending | error
    Column("error_count", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_try_at", UTCDateTime),
    Column("meta", JSON, nullable=False, default=dict),
    # Written by the understand stage (migration 0003); NULL until it has seen the article.
    Column("story_id", String(32)),
    Column("duplicate_of", String(32)),  # the first copy of the same (or nearly the same) text
    Column("content_hash", String(32)),
    Column("terms", JSON),  # heaviest TF-IDF terms and capitalised names, to rebuild vectors
    Column("vector", LargeBinary),  # sentence embedding, float16
    # Written by the enrich stage (migration 0005); NULL until it has seen the article.
    Column("section", String(32)),  # shown: the story's section (most common vote of its articles)
    Column("section_vote", String(32)),  # this article's own classification (migration 0010)
    Column("related_ids", JSON),  # the related-articles ranking as last computed (migration 0011)
    Column("related_at", UTCDateTime),
    Column("tags", JSON),
    Column("key_points", JSON),  # [{text, start, end, sentence}]: offsets into `text`
    Column("excerpt", Text),  # the clean lead related lists show (enrich stage, migration 0023)
    Column("entities", JSON),  # [{id, name, kind, count}]
    Column("enriched", Integer),  # version of the enrich stage that wrote the fields above
    Column("lease_owner", Text),  # the process fetching the page (migration 0012)
    Column("lease_until", UTCDateTime),
    Index("ix_articles_status_published", "status", "published_at"),
    Index("ix_articles_source_published", "source_id", "published_at"),
    Index("ix_articles_import_id", "import_id"),
    Index("ix_articles_arrival", "arrival"),
    Index("ix_articles_story", "story_id"),
    # Partial (migration 0009): only copies are indexed, so the planner's statistics stay useful.
    Index(
        "ix_articles_copies",
        "duplicate_of",
        "arrival",
        sqlite_where=text("duplicate_of IS NOT NULL"),
        postgresql_where=text("duplicate_of IS NOT NULL"),
    ),
    Index("ix_articles_content_hash", "content_hash"),
    # Interrupted work (migration 0012): stored articles not yet placed, enriched or ranked.
    Index(
        "ix_articles_unplaced",
        "arrival",
        sqlite_where=text("status = 'ok' AND story_id IS NULL"),
        postgresql_where=text("status = 'ok' AND story_id IS NULL"),
    ),
    Index(
        "ix_articles_unenriched",
        "arrival",
        sqlite_where=text("status = 'ok' AND enriched IS NULL"),
        postgresql_where=text("status = 'ok' AND enriched IS NULL"),
    ),
    Index(
        "ix_articles_unranked",
        "arrival",
        sqlite_where=text("story_id IS NOT NULL AND related_at IS NULL"),
        postgresql_where=text("story_id IS NOT NULL AND related_at IS NULL"),
    ),
    Index("ix_articles_section", "section"),
)

# Site-level boilerplate: how many of a site's pages carried each paragraph fingerprint.
site_paragraphs = Table(
    "site_paragraphs",
    metadata,
    Column("site", Text, primary_key=True),
    Column("fingerprint", String(32), primary_key=True),
    Column("sample", Text, nullable=False),
    Column("pages", Integer, nullable=False, default=0),
    Column("last_seen", UTCDateTime, nullable=False),
)

site_pages = Table(
    "site_pages",
    metadata,
    Column("site", Text, primary_key=True),
    Column("pages", Integer, nullable=False, default=0),
)

stories = Table(
    "stories",
    metadata,
    Column("id", String(32), primary_key=True),  # the id of the story's first article
    Column("title", Text, nullable=False, default=""),  # headline of its most representative article
    Column("article_id", String(32)),  # that representative article
    Column("first_seen", UTCDateTime),
    Column("last_seen", UTCDateTime),
    Column("article_count", Integer, nullable=False, default=0),
    Column("source_count", Integer, nullable=False, default=0),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("storyline_id", String(32)),  # the storyline it belongs to: its first story's id (migration 0012)
    Index("ix_stories_last_seen", "last_seen"),
    Index("ix_stories_updated_at", "updated_at"),
    Index("ix_stories_storyline", "storyline_id"),
)

# A merged story's old id keeps resolving to the story that absorbed it.
story_redirects = Table(
    "story_redirects",
    metadata,
    Column("old_id", String(32), primary_key=True),
    Column("new_id", String(32), nullable=False),
)

# Online document frequencies for TF-IDF ("documents" is kept under the empty term).
term_stats = Table(
    "term_stats",
    metadata,
    Column("term", Text, primary_key=True),
    Column("df", Integer, nullable=False, default=0),
)

# Small key/value state of the understand stage (its batch counter detects other writers).
understand_state = Table(
    "understand_state",
    metadata,
    Column("key", String(32), primary_key=True),
    Column("value", Float, nullable=False),
)

# Migration 0012: a counter per concern, bumped by every write web processes must notice (pages).
generations = Table(
    "generations",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

# Migration 0012: hits per key and time slot, so rate limits hold across processes without Redis.
rate_hits = Table(
    "rate_hits",
    metadata,
    Column("key", Text, primary_key=True),
    Column("slot", BigInteger, primary_key=True),
    Column("hits", Integer, nullable=False),
)

# --- Accounts and comments (migration 0006_accounts) ----------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(32), nullable=False),  # as the user typed it
    Column("username_key", String(32), nullable=False, unique=True),  # lower-cased: unique ignoring case
    Column("email", Text),
    Column("password_hash", Text, nullable=False),  # argon2id, never the password
    Column("role", String(16), nullable=False, default="reader"),  # reader | moderator | admin
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_login_at", UTCDateTime),
)

# Server-side sessions; the cookie holds a random token, the row only its SHA-256.
user_sessions = Table(
    "user_sessions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Index("ix_user_sessions_user", "user_id"),
    Index("ix_user_sessions_expires", "expires_at"),
)

# Site secrets generated on first use (the key signing anonymous CSRF cookies).
site_secrets = Table(
    "site_secrets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("value", Text, nullable=False),
)

# Failed logins per (account, address) and per address: each failure past a few free ones doubles
# the wait before the next try from there (exponential delay, never a lockout of the owner).
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("key", String(200), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("last_failure_at", UTCDateTime, nullable=False),
    Column("retry_at", UTCDateTime),
    Index("ix_login_attempts_last", "last_failure_at"),
)

# A comment targets exactly one article or one story; replies point at their parent.
comments = Table(
    "comments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE")),
    Column("story_id", String(32)),  # no foreign key: merged stories keep their old ids as redirects
    Column("parent_id", Integer, ForeignKey("comments.id", ondelete="CASCADE")),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("body", Text, nullable=False, default=""),  # plain text as typed; rendered safely on display
    Column("created_at", UTCDateTime, nullable=False),
    Column("edited_at", UTCDateTime),
    Column("deleted_at", UTCDateTime),  # deleted by its author: body emptied, shown as "[deleted]"
    Column("hidden_at", UTCDateTime),  # hidden by a moderator: body kept so it can be restored
    Column("hidden_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    CheckConstraint("(article_id IS NULL) <> (story_id IS NULL)", name="ck_comments_one_target"),
    Index("ix_comments_article", "article_id", "created_at"),
    Index("ix_comments_story", "story_id", "created_at"),
    Index("ix_comments_parent", "parent_id"),
    Index("ix_comments_user", "user_id"),
)

comment_reports = Table(
    "comment_reports",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), nullable=False),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("reason", String(32), nullable=False),  # spam | abuse | off-topic | other
    Column("note", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolved_by", Integer, ForeignKey("users.id", ondelete="SET NULL")),
    Column("resolution", String(16)),  # hidden | dismissed
    UniqueConstraint("comment_id", "user_id", name="uq_comment_reports_once"),
    Index("ix_comment_reports_open", "resolved_at", "comment_id"),
)

# --- AI features (migration 0005) ---------------------------------------------------------------

# People, organisations and places, one row per normalised name ("vladimir putin"; migration 0012
# folded the earlier one-row-per-kind refs "person:vladimir putin"). `kind` is the kind most
# mentions across articles agree on.
entities = Table(
    "entities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ref", Text, nullable=False, unique=True),  # the name's key
    Column("kind", String(16), nullable=False),
    Column("name", Text, nullable=False),
    Column("surname", Text, nullable=False, default=""),  # last word of the key: links "Putin" to the full name
    Column("article_count", Integer, nullable=False, default=0),
    Column("last_seen", UTCDateTime),
    Index("ix_entities_kind_surname", "kind", "surname"),
)

article_entities = Table(
    "article_entities",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("entity_id", Integer, ForeignKey("entities.id", ondelete="CASCADE"), primary_key=True),
    Column("mentions", Integer, nullable=False, default=1),
    Column("kind", String(16)),  # the kind this article's mentions voted for (migration 0012)
    Index("ix_article_entities_entity", "entity_id"),
)

# Cached story-level results (summary of N words, timeline, what each source adds), keyed
# "story:kind" and valid while the story's membership signature is unchanged.
story_digests = Table(
    "story_digests",
    metadata,
    Column("key", Text, primary_key=True),
    Column("story_id", String(32), nullable=False),
    Column("signature", String(32), nullable=False),
    Column("data", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_story_digests_story", "story_id"),
)

# Answers to readers' questions, keyed by scope (story or article), its signature and the question.
answers = Table(
    "answers",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("scope", String(32), nullable=False),
    Column("question", Text, nullable=False),
    Column("data", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_answers_scope", "scope"),
)

# Migration 0016: the vector index of recent articles in one row (built by the pipeline, read by web processes).
vector_snapshots = Table(
    "vector_snapshots",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("version", BigInteger, nullable=False),  # the placement batch counter it was built after
    Column("size", Integer, nullable=False),  # vector width (the embedder's)
    Column("ids", JSON, nullable=False),
    Column("matrix", LargeBinary, nullable=False),  # float16 rows, unit length, in the order of ids
)

# --- Reading state and reader apps (migration 0019_reading) ---------------------------------------

# What each signed-in reader has read and saved. No row (or NULL read_at) is unread: a new article
# costs nothing until someone reads it; "mark all as read" writes one row per article it covers.
article_states = Table(
    "article_states",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("read_at", UTCDateTime),
    Column("starred_at", UTCDateTime),  # saved ("read later", starred in reader apps)
    Index("ix_article_states_starred", "user_id", "starred_at"),
)

# A reader app's password, separate from the login password (argon2id like it). Fever's protocol
# needs md5("user:password") as its key, so that digest is kept too: it opens only the reading APIs.
api_passwords = Table(
    "api_passwords",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("password_hash", Text, nullable=False),
    Column("fever_key", String(32), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# --- The personal layer (migration 0020_personal) -------------------------------------------------
# What a signed-in reader follows (raises stories on their "For you" page, fills their digests)
# and mutes (hidden wherever they read). `target` is the followed thing's key as text: a source or
# entity id, a section name, a storyline id, or a muted word; `label` is its name when followed.
follows = Table(
    "follows",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # source | section | entity | storyline
    Column("target", String(64), primary_key=True),
    Column("label", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

mutes = Table(
    "mutes",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("kind", String(16), primary_key=True),  # word | source | entity
    Column("target", String(100), primary_key=True),  # a word or phrase is kept lower-cased
    Column("label", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

# A reader's digest: how often, whether by email, the secret token of their private Atom feed,
# and when the last email went out (claimed before sending: one email per period, whatever runs it).
reader_digests = Table(
    "reader_digests",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("frequency", String(8), nullable=False, default="daily"),  # daily | weekly
    Column("email_enabled", Boolean, nullable=False, default=False),
    Column("feed_token", String(64), unique=True),
    Column("last_sent_at", UTCDateTime),
    Column("last_error", Text),
)

# API keys (migration 0021_apikeys): a reader's keys for the JSON API (`Authorization: Bearer KEY`). The key is
# shown once, when made; the row keeps its SHA-256 (a random 256-bit key needs no slow hash) and its
# first characters, so the account page can tell keys apart.
api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(64), nullable=False),
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("ix_api_keys_user", "user_id"),
)

# Migration 0022_pictures: each article's lead picture, fetched once by the pipeline and served from our own
# origin. Kept as rows, not files: every web process on every machine reads the same database, and
# backup and restore carry them like any other row (bytes as base64).
pictures = Table(
    "pictures",
    metadata,
    Column("article_id", String(32), ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True),
    Column("url", Text, nullable=False),  # the publisher's image, fetched once (never linked to)
    Column("alt", Text, nullable=False, default=""),  # the page's alt text or caption ("" = use the headline)
    Column("status", String(16), nullable=False),  # ok | failed
    Column("width", Integer),  # of the original, when it could be read
    Column("height", Integer),
    Column("error_count", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("next_try_at", UTCDateTime),  # failed: when to try again (backoff)
    Column("fetched_at", UTCDateTime, nullable=False),
    Index("ix_pictures_retry", "status", "next_try_at"),
)

# The resized copies of a picture, one row per width (WebP, or JPEG where Pillow has no WebP).
picture_files = Table(
    "picture_files",
    metadata,
    Column("article_id", String(32), ForeignKey("pictures.article_id", ondelete="CASCADE"), primary_key=True),
    Column("width", Integer, primary_key=True),
    Column("height", Integer, nullable=False),
    Column("mime", String(32), nullable=False),
    Column("data", LargeBinary, nullable=False),
)
