"""The JSON API under /api, described by OpenAPI at /api/openapi.json."""
