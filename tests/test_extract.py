"""Article extraction rules, each on a small fictional page written for the test."""

import json

import pytest
from lxml import html as lxml_html

from broadsheet.errors import ExtractError
from broadsheet.extract import metadata
from broadsheet.extract.article import _parse, _visible_tokens, extract_article
from broadsheet.extract.files import extract_file
from broadsheet.extract.furniture import is_furniture_line, strip_furniture
from broadsheet.extract.prepare import drop_hidden, unmask_embedded_posts

PARAGRAPHS = [
    "The Marrowby lighthouse keeper logged the last of the winter storms on Sunday, closing a season "
    "in which the lamp burned for a record two hundred and twelve nights in a row.",
    "Engineers from the coastal trust will replace the lens housing in April, the keeper said, "
    "while the tower is closed to visitors for the first time since it was built.",
    "Volunteers who guide the summer tours have been offered places on the repair crew, and the trust "
    "expects the tower to reopen before the regatta in late June.",
]


def page(head: str = "", body: str = "", title: str = "Keeper logs the last storm of winter | Marrowby Post") -> str:
    """A fictional article page; `head` and `body` add markup around the standard article."""
    article = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    return (
        f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
        f"<body><nav><a href='/'>Home</a> <a href='/coast'>Coast</a></nav>"
        f"<article>{body or article}</article><footer>Marrowby Post</footer></body></html>"
    )


def tree_of(markup: str) -> lxml_html.HtmlElement:
    return _parse(markup)


# --- titles -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, expected",
    [
        ("Keeper logs the last storm of winter | Marrowby Post", "Keeper logs the last storm of winter"),
        ("Keeper logs the last storm of winter - Marrowby Post", "Keeper logs the last storm of winter"),
        ("Keeper logs the last storm of winter – Marrowby Post", "Keeper logs the last storm of winter"),
        ("Marrowby Post | Keeper logs the last storm", " Keeper logs the last storm"),  # first part dropped
        ("Storm ends | Marrowby Post", "Storm ends | Marrowby Post"),  # too short to stand alone
        ("Coast news: Keeper logs the last storm of winter", " Keeper logs the last storm of winter"),
    ],
)
def test_document_title_drops_the_site_name_when_the_rest_stands_alone(title, expected):
    assert metadata.document_title(tree_of(page(title=title))) == expected.strip()


def test_short_title_is_kept_when_the_page_heading_says_just_that():
    markup = page(
        title="Storm ends | Marrowby Post", body="<h1>Storm ends</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    )
    assert metadata.document_title(tree_of(markup)) == "Storm ends"


def test_colon_title_is_whole_when_a_heading_repeats_it():
    markup = page(
        title="Coast news: the keeper logs the last storm",
        body="<h1>Coast news: the keeper logs the last storm</h1><p>Text.</p>",
    )
    assert metadata.document_title(tree_of(markup)) == "Coast news: the keeper logs the last storm"


def test_title_prefers_json_ld_then_dublin_core_then_open_graph():
    ld = (
        '<script type="application/ld+json">{"@context": "https://schema.org", "@type": "NewsArticle",'
        ' "headline": "Keeper logs the last storm &amp; rests"}</script>'
    )
    head = (
        '<meta name="og:title" content="By name"><meta property="og:title" content="Open Graph title">'
        '<meta property="x:title dc:title" content="Dublin Core title">'
    )
    tree = tree_of(page(head=head + ld))
    assert metadata.find_title(tree, metadata.article_ld(tree)) == "Keeper logs the last storm & rests"
    tree = tree_of(page(head=head))
    assert metadata.find_title(tree, metadata.article_ld(tree)) == "Dublin Core title"
    tree = tree_of(
        page(head='<meta name="og:title" content="By name"><meta property="og:title" content="Open Graph title">')
    )
    assert metadata.find_title(tree, metadata.article_ld(tree)) == "Open Graph title"


def test_json_ld_name_or_headline_whichever_matches_the_page_title():
    ld = (
        '<script type="application/ld+json">{"@type": "Article", "name": "Coastal trust list item",'
        ' "headline": "Keeper logs the last storm of winter"}</script>'
    )
    tree = tree_of(page(head=ld))
    assert metadata.find_title(tree, metadata.article_ld(tree)) == "Keeper logs the last storm of winter"


def test_json_ld_in_cdata_and_graph_is_read():
    ld = (
        '<script type="application/ld+json"><![CDATA[{"@context": "https://schema.org", "@graph": ['
        '{"@type": "WebSite", "name": "Marrowby Post"}, {"@type": "BlogPosting", "headline": "Lamp season ends",'
        ' "datePublished": "2031-03-02T06:15:00+01:00", "author": [{"@type": "Person", "name": "Ida Fenn"},'
        ' {"@type": "Person", "name": "Otto Brae"}]}]}]]></script>'
    )
    tree = tree_of(page(head=ld))
    ld_item = metadata.article_ld(tree)
    assert metadata.find_title(tree, ld_item) == "Lamp season ends"
    assert metadata.find_byline(tree, ld_item) == "Ida Fenn, Otto Brae"
    assert metadata.find_published(tree, ld_item).isoformat() == "2031-03-02T05:15:00+00:00"


# --- bylines and dates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("By Ida Fenn", "Ida Fenn"),
        ("  by\n Ida   Fenn  ", "Ida Fenn"),
        ("Par Ida Fenn", "Ida Fenn"),
        ("By Ida Fenn March 3, 2031", "Ida Fenn"),
        ("Ida Fenn • 8h", "Ida Fenn"),
        ("Ida Fenn | Coast desk", "Ida Fenn"),
        ("By Ida Fenn Updated 2031-03-02", "Ida Fenn"),
        ("Last Updated: March 3, 2031", ""),
        ("https://marrowby.example/staff/ida", ""),
        ("Sign In | Subscribe", ""),
    ],
)
def test_clean_byline(raw, expected):
    assert metadata.clean_byline(raw) == expected


def test_byline_order_dublin_core_then_author_then_markup():
    head = '<meta name="author" content="Otto Brae"><meta property="dc:creator og:site_name" content="Ida Fenn">'
    tree = tree_of(page(head=head))
    assert metadata.find_byline(tree, {}) == "Ida Fenn"
    tree = tree_of(page(head='<meta property="article:author" content="https://marrowby.example/ida">'))
    assert metadata.find_byline(tree, {}) == ""


def test_byline_from_markup_skips_account_boxes_and_comments():
    body = (
        "<div id='authorization'>Sign In | Sign Up | My Account</div>"
        "<div class='comments'><span class='comment-author'>Night Owl</span></div>"
        "<header class='entry-header'><span class='byline'>By <a rel='author' href='/ida'>Ida Fenn</a></span></header>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    )
    assert metadata.find_byline(tree_of(page(body=body)), {}) == "Ida Fenn"


def test_byline_inside_a_header_wrapper_is_found_on_a_second_look():
    body = (
        "<div class='site-header'><span class='author'>By Otto Brae</span>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "</div>"
    )
    assert metadata.find_byline(tree_of(page(body=body)), {}) == "Otto Brae"


def test_published_prefers_json_ld_then_article_meta_then_time():
    head = (
        '<meta property="article:published_time" content="2031-03-02T09:00:00+00:00">'
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2031-03-01"}</script>'
    )
    tree = tree_of(page(head=head))
    assert metadata.find_published(tree, metadata.article_ld(tree)).isoformat() == "2031-03-01T00:00:00+00:00"
    tree = tree_of(page(head='<meta name="parsely-pub-date" content="2031-03-04T10:00:00Z">'))
    assert metadata.find_published(tree, {}).isoformat() == "2031-03-04T10:00:00+00:00"
    body = "<time datetime='2031-01-01'>Jan 1</time><time itemprop='datePublished' datetime='2031-03-05'>5 Mar</time>"
    assert metadata.find_published(tree_of(page(body=body)), {}).isoformat() == "2031-03-05T00:00:00+00:00"


# --- page clean-up ------------------------------------------------------------------------------------


def test_hidden_blocks_go_but_hidden_inline_words_stay():
    markup = (
        "<html><body><div style='display: none'><p>Hidden teaser.</p></div><div hidden><p>Gone.</p></div>"
        "<p>Area <span style='display:none'>x</span> is wide.</p><div style='visibility:hidden'>Ghost</div>"
        "</body></html>"
    )
    tree = tree_of(markup)
    assert drop_hidden(tree) == 3
    assert " ".join(tree.text_content().split()) == "Area x is wide."


def test_quoted_posts_lose_their_widget_names():
    markup = (
        "<html><body><p>Residents reacted online.</p><div class='social-embed'><blockquote class='twitter-tweet'>"
        "<p>The lamp is finally resting.</p>— Harbour Watch (@harbourwatch)</blockquote></div></body></html>"
    )
    tree = tree_of(markup)
    assert unmask_embedded_posts(tree) == 1
    assert not tree.xpath("//*[@class]")


def test_embedded_post_text_reaches_the_body():
    quote = (
        "<div class='social-embed'><blockquote class='twitter-tweet'><p>Two hundred and twelve nights of "
        "light, and not one ship lost on the point this winter.</p>— Harbour Watch (@harbourwatch) "
        "<a href='#'>March 2, 2031</a></blockquote></div>"
    )
    body = f"<p>{PARAGRAPHS[0]}</p>{quote}<p>{PARAGRAPHS[1]}</p><p>{PARAGRAPHS[2]}</p>"
    text = extract_article(page(body=body)).text
    assert "not one ship lost on the point" in text and "@harbourwatch" in text


def test_text_after_an_inline_comment_is_kept():
    body = (
        f"<p>Once again,&nbsp;<!-- -->the keeper climbed the stairs at dusk. {PARAGRAPHS[0]}</p><p>{PARAGRAPHS[1]}</p>"
    )
    assert "the keeper climbed the stairs at dusk" in extract_article(page(body=body)).text


def test_visible_tokens_bound_ignores_scripts():
    tree = tree_of("<html><body><p>One two three</p><script>var four = 5;</script><style>p{}</style></body></html>")
    assert _visible_tokens(tree) == 3


# --- furniture ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "Get the latest harbour news in your inbox. Subscribe to the Marrowby Post newsletters.",
        "Sign up for the Morning Tide newsletter",
        "If you enjoyed this article, become a member of the Marrowby Post.",
        "Like this story? Share it with a friend",
        "(Reporting by Ida Fenn; editing by Otto Brae)",
        "Additional reporting by Otto Brae",
        "Related post: Ten lighthouses worth the climb",
        "SEE MORE: Regatta route announced",
        "Photo by Otto Brae/Marrowby Post",
        "Comments",
        "Loading...",
        "Loading Photo Gallery",
    ],
)
def test_furniture_lines(line):
    assert is_furniture_line(line)


@pytest.mark.parametrize(
    "line",
    [
        "The newsletter, delivered to every household, asked residents to sign up for the repair crew before May.",
        "Loading the ferry took two hours because of the swell.",
        "Comments from the trust suggest the tower will reopen in June.",
    ],
)
def test_prose_that_starts_alike_is_kept(line):
    assert not is_furniture_line(line)


def test_contact_lines_at_the_end_go_but_a_public_appeal_stays():
    appeal = (
        "Anyone who saw the boat leave the quay is asked to contact the harbour police at 555-0100 "
        "or e-mail tips@harbour.example."
    )
    tail = [
        "Ida Fenn may be reached at ifenn@marrowby.example. Follow her on Twitter @idafenn.",
        "Follow our full coverage of the coast at https://marrowby.example/coast",
    ]
    assert strip_furniture([*PARAGRAPHS, appeal, *tail]) == [*PARAGRAPHS, appeal]


def test_promo_headers_and_closing_dateline_go():
    lines = [
        *PARAGRAPHS[:2],
        "Most read in coast news",
        PARAGRAPHS[2],
        "More great Marrowby stories",
        "Keeper's cat becomes a local star",
        "Regatta route announced",
        "2 March 2031",
    ]
    assert strip_furniture(lines) == PARAGRAPHS


def test_schedule_dates_inside_the_text_stay():
    lines = [
        "The lamp will be tested on these evenings:",
        "Monday, March 3, 2031 at 6:00 PM",
        "Tuesday, March 4, 2031 at 6:00 PM",
        "Visitors are welcome on both evenings.",
    ]
    assert strip_furniture(lines) == lines


def test_click_to_tweet_suffix_is_removed():
    assert strip_furniture([PARAGRAPHS[0], "A lighthouse is a promise kept in the dark.Click To Tweet"]) == [
        PARAGRAPHS[0],
        "A lighthouse is a promise kept in the dark.",
    ]


def test_headline_repeated_below_teasers_takes_them_away():
    lines = [
        "Read our guide to the regatta, with every race and route",
        "Regatta guide",
        "Keeper logs the last storm of winter",
        *PARAGRAPHS,
    ]
    assert strip_furniture(lines, {"keeper logs the last storm of winter"}) == PARAGRAPHS


def test_standfirst_equal_to_the_description_goes_but_a_sentence_stays():
    dek = "A record season for the Marrowby lamp ends with a quiet night"
    head = f'<meta name="description" content="{dek}">'
    body = f"<p>{dek}</p>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    assert extract_article(page(head=head, body=body)).paragraphs == PARAGRAPHS
    head = f'<meta name="description" content="{PARAGRAPHS[0]}">'
    assert extract_article(page(head=head)).paragraphs == PARAGRAPHS


def test_a_body_is_never_emptied_by_head_trimming():
    assert strip_furniture(["Keeper logs the last storm of winter"], {"keeper logs the last storm of winter"}) == [
        "Keeper logs the last storm of winter"
    ]


# --- whole pages --------------------------------------------------------------------------------------


def test_whole_page_metadata_and_body():
    head = (
        '<meta property="og:site_name" content="Marrowby Post"><meta name="author" content="Ida Fenn">'
        '<meta property="article:published_time" content="2031-03-02T08:30:00+00:00">'
    )
    body = (
        "<h1>Keeper logs the last storm of winter</h1><p class='byline'>By Ida Fenn</p>"
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + "<p>Sign up for the Morning Tide newsletter</p>"
    )
    article = extract_article(page(head=head, body=body), "https://marrowby.example/coast/keeper")
    assert (article.title, article.byline, article.site_name, article.language) == (
        "Keeper logs the last storm of winter",
        "Ida Fenn",
        "Marrowby Post",
        "en",
    )
    assert article.published.isoformat() == "2031-03-02T08:30:00+00:00"
    assert article.paragraphs == PARAGRAPHS


def test_line_breaks_inside_a_paragraph_do_not_split_it():
    body = "<p>The keeper\n        climbed the\n   stairs.</p>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    assert extract_article(page(body=body)).paragraphs[0] == "The keeper climbed the stairs."


def test_extracting_the_same_file_twice_gives_identical_json(tmp_path):
    path = tmp_path / "keeper.html"
    path.write_text(page(head='<meta name="author" content="Ida Fenn">'), encoding="utf-8")
    first = json.dumps(extract_file(path, "https://marrowby.example/keeper"), sort_keys=True)
    assert first == json.dumps(extract_file(path, "https://marrowby.example/keeper"), sort_keys=True)


@pytest.mark.parametrize("page", ["<meta></html>E", "<meta></html>", "<html><head><meta></head></html>tail"])
def test_a_page_whose_readable_part_has_no_body_is_refused_not_crashed(page):
    """Found by fuzz/fuzz_extract.py: readability's summary of such a page has no <body>, and lxml
    failed an assertion on it; the page is now simply one without an article."""
    try:
        found = extract_article(page, "http://pub.example/a/1")
    except ExtractError:
        return
    assert isinstance(found.text, str)
