"""The pipeline joins the pure stages to the store."""

from broadsheet.pipeline import asked as _asked  # noqa: F401  (registers the work page views ask for)
