"""axe-core (the engine inside Lighthouse's accessibility audit and the browser extensions) with the
WCAG 2.2 A and AA rules on every kind of page of the demo newsroom, at phone and desktop widths, in
light and dark colour schemes, in Debian's chromium. axe-core comes inside a PyPI package
(axe-playwright-python), so nothing is downloaded at run time."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_browser import CHROMIUM, PASSWORD, browser, site  # noqa: F401  (fixtures)

axe = pytest.importorskip("axe_playwright_python")
AXE_JS = Path(axe.__file__).with_name("axe.min.js")
RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
WIDTHS = (390, 1366)
SCHEMES = ("light", "dark")


def _first(html: str, pattern: str) -> str:
    found = re.search(pattern, html)
    assert found, pattern
    return found.group(0)


@pytest.fixture(scope="module")
def paths(site, browser):
    """One page of each kind, found by following the front page's links as a reader would."""
    page = browser.new_page()
    page.goto(site + "/")
    front = page.content()
    story = _first(front, r'/stories/[^"#?]+')
    page.goto(site + story)
    article = _first(page.content(), r'/articles/[^"#?]+')
    page.goto(site + "/sources")
    source = _first(page.content(), r"/sources/\d+")
    page.goto(site + "/entities")
    entity = _first(page.content(), r"/entities/\d+")
    page.goto(site + "/")
    section = _first(front, r"/sections/[a-z-]+")
    page.close()
    return {
        "front": "/",
        "latest": "/latest",
        "section": section,
        "story": story,
        "article": article,
        "source": source,
        "sources": "/sources",
        "entity": entity,
        "entities": "/entities",
        "search": "/search?q=harbour",
        "login": "/login",
        "register": "/register",
        "not found": "/no/such/page",
    }


def _violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE_JS))
    result = page.evaluate("async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})", RULES)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {', '.join(str(n['target']) for n in v['nodes'][:3])}"
        for v in result["violations"]
    ]


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_passes_axe_wcag22(site, browser, paths, width, scheme):
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme, bypass_csp=True)
    page = context.new_page()
    found = {}
    for name, path in paths.items():
        page.goto(site + path)
        problems = _violations(page)
        if problems:
            found[name] = problems
    context.close()
    assert found == {}, found


def test_signed_in_pages_pass_axe_wcag22(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.goto(site + "/login")
    page.fill("input[name=username]", "morgan")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    found = {}
    for path in ("/", "/moderation", "/account", "/saved", "/following", "/for-you", "/account/keys"):
        page.goto(site + path)
        problems = _violations(page)
        if problems:
            found[path] = problems
    context.close()
    assert found == {}, found


def test_the_check_finds_what_it_looks_for(browser):
    """The same harness on a page made to break the rules: an image without text, a low-contrast line,
    an unlabelled field, and a touch target under 24 px (WCAG 2.2's target-size)."""
    page = browser.new_page()
    page.set_content(
        '<html lang="en"><head><title>t</title></head><body><main><img src="x.png">'
        '<p style="color:#bbb;background:#fff">faint</p><input type="text">'
        '<a href="/a" style="display:inline-block;width:10px;height:10px;font-size:1px">a</a>'
        '<a href="/b" style="display:inline-block;width:10px;height:10px;font-size:1px">b</a></main></body></html>'
    )
    found = {line.split(" ", 1)[0] for line in _violations(page)}
    page.close()
    assert {"image-alt", "color-contrast", "label", "target-size"} <= found, found
