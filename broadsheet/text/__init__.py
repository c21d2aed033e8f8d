"""Text helpers that both collecting (`ingest`) and cleaning (`extract`) use: decoding bytes
(charset), reading dates, sanitising HTML and XML text, and the URL policy."""
