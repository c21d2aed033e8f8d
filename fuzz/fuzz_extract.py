"""atheris fuzz target: article extraction from HTML. Any exception other than ExtractError, or a
lead image or canonical URL the URL policy refuses, is a crash.

Run: python fuzz/fuzz_extract.py [corpus dirs...] -runs=1000000   (see `make fuzz`)
"""

from __future__ import annotations

import logging
import sys

import atheris

with atheris.instrument_imports(include=["broadsheet"]):
    from broadsheet.errors import ExtractError
    from broadsheet.extract.article import extract_article
    from broadsheet.text.urls import url_problem

logging.disable(logging.CRITICAL)  # trafilatura and readability log every odd page


def check_page(data: bytes) -> None:
    """Extract one page (the first bytes choose the base URL); only ExtractError may escape."""
    provider = atheris.FuzzedDataProvider(data)
    base = provider.PickValueInList(["http://pub.example/a/1", "", "http://[::1/x", "javascript:alert(1)"])
    html = provider.ConsumeUnicodeNoSurrogates(provider.remaining_bytes())
    try:
        found = extract_article(html, base or None)
    except ExtractError:
        return
    assert found.image == "" or url_problem(found.image) is None, found.image
    assert isinstance(found.text, str)


if __name__ == "__main__":
    atheris.Setup(sys.argv, check_page)
    atheris.Fuzz()
