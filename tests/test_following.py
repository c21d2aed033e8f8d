"""The personal layer: follows and mutes in the store, the "For you" ranking, and mutes applied on
every listing a signed-in reader reads (front page, For you, sections, latest, search, story
coverage, entity and source pages), over real HTTP with the site's CSRF-protected forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from httpserver import AppServer
from sqlalchemy import insert, update
from test_accounts import PASSWORD, csrf_of, login
from test_web import assert_valid_html

from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store import follows as follow_store
from broadsheet.store import personal
from broadsheet.store import sources as source_store
from broadsheet.store import users as user_store
from broadsheet.store.follows import ChoiceError, Mutes
from broadsheet.store.schema import article_entities, articles, entities, stories
from broadsheet.web.app import create_app

NOW = datetime.now(UTC).replace(microsecond=0)

# Fictional desk: three outlets, three stories. The ferry strike is the broadest story (two outlets),
# so it leads the general front page; the tide gauge story (one outlet, names Mara Quint) is last.
STORIES = {
    "s-ferry": ("Ferry crews strike over rosters", "Business", 0),
    "s-orchard": ("Orchard festival draws record crowd", "Entertainment", 1),
    "s-tide": ("New tide gauge installed at the breakwater", "Science", 2),
}
ARTICLES = [
    ("a-ferry-1", "s-ferry", "gazette", "Ferry crews strike over rosters", "Crews walked off at dawn over rosters."),
    ("a-ferry-2", "s-ferry", "courier", "Ferry strike strands commuters", "Commuters waited for buses instead."),
    ("a-orchard", "s-orchard", "courier", "Orchard festival draws record crowd", "Cider presses ran all day."),
    ("a-tide", "s-tide", "herald", "New tide gauge installed at the breakwater", "Engineer Mara Quint said it helps."),
]


def make_desk(engine) -> dict[str, int]:
    """The fictional desk above; returns the source ids by short name and the entity id."""
    ids = {}
    for name, title in (("gazette", "Harbour Gazette"), ("courier", "Valley Courier"), ("herald", "Coast Herald")):
        ids[name] = source_store.add_source(engine, f"http://{name}.invalid/feed", title=title)[0].id
    names = {"gazette": "Harbour Gazette", "courier": "Valley Courier", "herald": "Coast Herald"}
    with engine.begin() as conn:
        for index, (article_id, story_id, outlet, title, text) in enumerate(ARTICLES):
            when = NOW - timedelta(hours=STORIES[story_id][2], minutes=index)
            item = Article(
                article_id, f"http://{outlet}.invalid/{article_id}", title, text + "\n\nMore detail follows."
            )
            item.source_id, item.source_name, item.published_at = ids[outlet], names[outlet], when
            article_store.save_articles(conn, [item])
            values = {"story_id": story_id, "section": STORIES[story_id][1]}
            conn.execute(update(articles).where(articles.c.id == article_id).values(**values))
        for story_id, (title, _, hours) in STORIES.items():
            first = next(a[0] for a in ARTICLES if a[1] == story_id)
            count = len({a[2] for a in ARTICLES if a[1] == story_id})
            conn.execute(
                insert(stories).values(
                    id=story_id,
                    title=title,
                    article_id=first,
                    first_seen=NOW - timedelta(hours=hours),
                    last_seen=NOW - timedelta(hours=hours),
                    article_count=count,
                    source_count=count,
                    updated_at=NOW,
                    storyline_id=story_id,
                )
            )
        entity = conn.execute(
            insert(entities).values(
                ref="mara quint", kind="person", name="Mara Quint", surname="quint", article_count=1
            )
        ).inserted_primary_key[0]
        conn.execute(insert(article_entities).values(article_id="a-tide", entity_id=entity, mentions=2))
    ids["mara"] = entity
    return ids


@pytest.fixture
def desk(engine):
    return make_desk(engine)


def _order(cards) -> list[str]:
    return [c.story.id for c in cards]


def test_follows_and_mutes_are_kept_once_and_grouped(engine, desk):
    reader = user_store.create_user(engine, "reader1", PASSWORD)
    follow_store.follow(engine, reader.id, "source", desk["herald"], "Coast Herald")
    follow_store.follow(engine, reader.id, "source", desk["herald"], "Coast Herald")  # again: no change
    follow_store.follow(engine, reader.id, "section", "Science", "Science")
    follow_store.mute(engine, reader.id, "word", "  Ferry   STRIKE ")
    assert [(c.kind, c.target) for c in follow_store.follows_of(engine, reader.id)] == [
        ("section", "Science"),
        ("source", str(desk["herald"])),
    ]
    wanted = follow_store.interests(follow_store.follows_of(engine, reader.id))
    assert wanted.sources == {desk["herald"]} and wanted.sections == {"Science"} and not wanted.entities
    muted = follow_store.mute_set(follow_store.mutes_of(engine, reader.id))
    assert muted.words == {"ferry strike"}
    follow_store.unfollow(engine, reader.id, "section", "Science")
    assert len(follow_store.follows_of(engine, reader.id)) == 1
    with pytest.raises(ChoiceError):
        follow_store.follow(engine, reader.id, "colour", "blue", "Blue")
    with pytest.raises(ChoiceError):
        follow_store.mute(engine, reader.id, "word", "   ")
    other = user_store.create_user(engine, "reader2", PASSWORD)
    assert follow_store.follows_of(engine, other.id) == []  # one reader's choices are theirs alone


def test_mutes_match_whole_words_sources_and_entities(engine, desk):
    every = {a.id: a for a in article_store.latest_articles(engine, limit=10)}
    words = follow_store.hidden_ids(engine, Mutes(words=frozenset({"strike"})), every.values())
    assert words == {"a-ferry-1", "a-ferry-2"}
    assert follow_store.hidden_ids(engine, Mutes(words=frozenset({"rost"})), every.values()) == set()  # whole words
    sources = follow_store.hidden_ids(engine, Mutes(sources=frozenset({desk["courier"]})), every.values())
    assert sources == {"a-ferry-2", "a-orchard"}
    named = follow_store.hidden_ids(engine, Mutes(entities=frozenset({desk["mara"]})), every.values())
    assert named == {"a-tide"}


def test_for_you_raises_what_the_reader_follows_and_otherwise_keeps_the_front_page_order(engine, desk):
    from broadsheet.store.coverage import top_stories
    from broadsheet.store.follows import Interests

    general = _order(top_stories(engine, now=NOW))
    assert general == ["s-ferry", "s-orchard", "s-tide"]
    assert _order(personal.for_you(engine, Interests(), Mutes(), now=NOW)) == general  # follows nothing
    by_source = personal.for_you(
        engine,
        Interests(sources=frozenset({desk["herald"]})),
        Mutes(),
        now=NOW,
        labels={("source", str(desk["herald"])): "Coast Herald"},
    )
    assert _order(by_source) == ["s-tide", "s-ferry", "s-orchard"]
    assert by_source[0].because == ["Coast Herald"] and by_source[1].because == []
    by_entity = personal.for_you(engine, Interests(entities=frozenset({desk["mara"]})), Mutes(), now=NOW)
    assert _order(by_entity)[0] == "s-tide"
    by_storyline = personal.for_you(engine, Interests(storylines=frozenset({"s-orchard"})), Mutes(), now=NOW)
    assert _order(by_storyline) == ["s-orchard", "s-ferry", "s-tide"]
    by_section = personal.for_you(engine, Interests(sections=frozenset({"Science"})), Mutes(), now=NOW)
    assert _order(by_section) == ["s-ferry", "s-tide", "s-orchard"]  # the weakest signal: raised, not first
    # What each story matched is kept, for the cards' "You follow" line.
    ranked = personal.rank_for_you(engine, Interests(sources=frozenset({desk["herald"]})), NOW)
    assert ranked[0][2] == {"source": {desk["herald"]}}


def test_a_followed_story_still_ages(engine, desk):
    from broadsheet.store.follows import Interests

    everything = Interests(
        sources=frozenset({desk["herald"]}),
        sections=frozenset({"Science"}),
        entities=frozenset({desk["mara"]}),
        storylines=frozenset({"s-tide"}),
    )
    assert _order(personal.for_you(engine, everything, Mutes(), now=NOW))[0] == "s-tide"
    for hours, leader in ((58, "s-tide"), (62, "s-orchard")):  # orchard: as broad, an hour old, matches nothing
        with engine.begin() as conn:
            conn.execute(update(stories).where(stories.c.id == "s-tide").values(last_seen=NOW - timedelta(hours=hours)))
        ranked = _order(personal.for_you(engine, everything, Mutes(), now=NOW))
        assert min(("s-tide", "s-orchard"), key=ranked.index) == leader, hours


def test_a_card_whose_headline_is_muted_shows_another_article_or_goes(engine, desk):
    from broadsheet.store.coverage import top_stories

    cards = top_stories(engine, now=NOW)
    by_source = personal.visible_cards(engine, cards, Mutes(sources=frozenset({desk["gazette"]})))
    ferry = next(c for c in by_source if c.story.id == "s-ferry")
    assert ferry.lead.id == "a-ferry-2" and ferry.story.title == "Ferry strike strands commuters"
    assert ferry.sources == ["Valley Courier"]
    by_word = personal.visible_cards(engine, cards, Mutes(words=frozenset({"strike"})))
    assert _order(by_word) == ["s-orchard", "s-tide"]


# --- over HTTP -------------------------------------------------------------------------------------


@pytest.fixture
def site(engine, config, desk):
    user_store.create_user(engine, "reader1", PASSWORD)
    with AppServer(create_app(engine, config)) as base, httpx.Client(base_url=base) as http:
        assert login(http, "reader1").status_code == 303
        yield http, desk


def _post(http: httpx.Client, path: str, **data: str) -> httpx.Response:
    token = csrf_of(http.get("/following").text)
    return http.post(path, data={"csrf_token": token, **data})


def test_buttons_follow_and_the_for_you_page_changes(site):
    http, desk = site
    before = http.get("/for-you")
    assert before.status_code == 200 and "You follow nothing yet" in before.text
    assert_valid_html(before.text)
    assert before.text.index("Ferry crews strike") < before.text.index("New tide gauge")
    source_page = http.get(f"/sources/{desk['herald']}")
    assert 'action="/follow"' in source_page.text and "Follow <span" in source_page.text
    done = _post(http, "/follow", kind="source", target=str(desk["herald"]), next=f"/sources/{desk['herald']}")
    assert done.status_code == 303 and done.headers["location"] == f"/sources/{desk['herald']}"
    assert 'action="/unfollow"' in http.get(f"/sources/{desk['herald']}").text
    after = http.get("/for-you")
    assert after.text.index("New tide gauge") < after.text.index("Ferry crews strike")
    assert "You follow Coast Herald" in after.text
    assert "Coast Herald" in http.get("/following").text
    _post(http, "/follow", kind="section", target="Science")
    _post(http, "/follow", kind="entity", target=str(desk["mara"]))
    _post(http, "/follow", kind="storyline", target="s-orchard")
    listed = http.get("/following").text
    assert_valid_html(listed)
    for page in (f"/sources/{desk['herald']}", f"/entities/{desk['mara']}", "/stories/s-orchard", "/sections/science"):
        shown = http.get(page).text
        assert_valid_html(shown)
        assert 'action="/unfollow"' in shown, page  # each page's button says it is followed
    assert "Mara Quint" in listed and "Orchard festival" in listed and 'href="/sections/science"' in listed
    _post(http, "/unfollow", kind="source", target=str(desk["herald"]))
    assert "You follow Coast Herald" not in http.get("/for-you").text


def test_a_form_without_the_token_or_without_a_session_is_refused(site, engine):
    http, desk = site
    assert http.post("/follow", data={"kind": "source", "target": str(desk["herald"])}).status_code == 403
    anonymous = httpx.post(str(http.base_url) + "/follow", data={"kind": "source", "target": "1"})
    assert anonymous.status_code == 403
    assert httpx.get(str(http.base_url) + "/for-you").status_code == 303  # to the login page
    assert _post(http, "/follow", kind="source", target="999999").status_code == 404
    assert _post(http, "/follow", kind="colour", target="blue").status_code == 400


LISTINGS = ["/", "/for-you", "/sections/business", "/latest", "/search?q=ferry", "/stories/s-ferry"]


def test_a_muted_word_hides_its_articles_on_every_listing(site):
    http, _ = site
    for path in LISTINGS:
        assert "/articles/a-ferry-1" in http.get(path).text or "Ferry crews strike" in http.get(path).text, path
    _post(http, "/mute", kind="word", target="Strike")
    for path in LISTINGS:
        page = http.get(path)
        assert page.status_code == 200, path
        assert 'href="/articles/a-ferry-1"' not in page.text and 'href="/articles/a-ferry-2"' not in page.text, path
        if path != "/stories/s-ferry":  # the story's own page keeps its headline; its coverage list is empty
            assert "Ferry crews strike" not in page.text and "Ferry strike strands" not in page.text, path
    assert "strike" in http.get("/following").text
    _post(http, "/unmute", kind="word", target="strike")
    assert "Ferry crews strike" in http.get("/").text


def test_a_muted_source_is_hidden_on_its_page_and_everywhere_else(site):
    http, desk = site
    _post(http, "/mute", kind="source", target=str(desk["courier"]), next="/")
    assert "Orchard festival" not in http.get("/").text
    assert "Orchard festival" not in http.get("/latest").text
    assert "Orchard festival" not in http.get(f"/sources/{desk['courier']}").text
    assert "Unmute <span" in http.get(f"/sources/{desk['courier']}").text
    story = http.get("/stories/s-ferry").text
    assert 'href="/articles/a-ferry-1"' in story and 'href="/articles/a-ferry-2"' not in story
    front = http.get("/").text
    assert "Valley Courier" not in front  # not even among a card's outlets
    anonymous = httpx.get(str(http.base_url) + "/").text
    assert "Orchard festival" in anonymous  # one reader's mutes are theirs alone


def test_a_muted_article_leaves_the_related_list_of_an_article_page(site, engine):
    http, _ = site
    with engine.begin() as conn:  # as the pipeline keeps it: the tide story's page lists the ferry report
        conn.execute(
            update(articles).where(articles.c.id == "a-tide").values(related_ids=["a-ferry-1"], related_at=NOW)
        )
    assert 'href="/articles/a-ferry-1"' in http.get("/articles/a-tide").text
    _post(http, "/mute", kind="word", target="rosters")
    assert 'href="/articles/a-ferry-1"' not in http.get("/articles/a-tide").text


def test_a_muted_entity_hides_the_articles_naming_it(site):
    http, desk = site
    assert "New tide gauge" in http.get(f"/entities/{desk['mara']}").text
    _post(http, "/mute", kind="entity", target=str(desk["mara"]))
    assert "New tide gauge" not in http.get(f"/entities/{desk['mara']}").text
    assert "New tide gauge" not in http.get("/").text
    assert "New tide gauge" not in http.get("/search?q=tide+gauge").text
