"""Ingestion: fetching over HTTP and parsing feeds and OPML. Pure: bytes in, dataclasses out."""
