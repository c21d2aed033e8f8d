"""Storage: SQLAlchemy Core over SQLite (WAL, the default) or PostgreSQL."""
