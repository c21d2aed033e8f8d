"""Comments over real HTTP: post, reply, edit, delete, report, moderate; and what must be refused."""

import re
from datetime import UTC, datetime

import httpx
import pytest
from test_accounts import PASSWORD, csrf_of, login, site  # noqa: F401 (site is a fixture)
from test_postgres import pg_url  # noqa: F401 (a fixture: a fresh PostgreSQL database, or skip)
from test_web import assert_valid_html

from broadsheet.store import comments as comment_store
from broadsheet.store import users as user_store
from broadsheet.store.comments import Target
from broadsheet.store.schema import stories, story_redirects
from broadsheet.web.comments import render_text


@pytest.fixture
def people(site, engine):
    """Alice and Bob (readers) and Mona (a moderator), each logged in in their own browser."""
    clients = {}
    for name, role in (("alice", "reader"), ("bob", "reader"), ("mona", "moderator")):
        user_store.create_user(engine, name, PASSWORD, role=role)
        clients[name] = httpx.Client(base_url=site)
        assert login(clients[name], name).status_code == 303
    yield clients
    for client in clients.values():
        client.close()


def post(http: httpx.Client, path: str, page: str = "/articles/a1", **data: str) -> httpx.Response:
    """Send a form with the CSRF token taken from `page`, as a browser submitting it would."""
    return http.post(path, data={"csrf_token": csrf_of(http.get(page).text), **data})


def comment_id(response: httpx.Response) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(r"#comment-(\d+)$", response.headers["location"]).group(1))


def article_page(http: httpx.Client) -> str:
    page = http.get("/articles/a1").text
    assert_valid_html(page)
    return page


def test_the_whole_life_of_a_comment(people, engine):
    alice, bob, mona = people["alice"], people["bob"], people["mona"]
    first = comment_id(post(alice, "/comments", target="article:a1", body="The wall held.\n\nFor now."))
    page = article_page(bob)
    assert "<p>The wall held.</p><p>For now.</p>" in page and 'id="comments-heading"' in page
    assert f'href="/comments/{first}/report"' in page and f'href="/comments/{first}/edit"' not in page
    reply_form = bob.get(f"/comments/{first}/reply")
    assert reply_form.status_code == 200 and "The wall held." in reply_form.text
    assert_valid_html(reply_form.text)
    reply = comment_id(post(bob, f"/comments/{first}/reply", page=f"/comments/{first}/reply", body="Barely."))
    assert re.search(
        rf'id="comment-{first}".*<ol class="comment-replies">\s*<li id="comment-{reply}"', article_page(bob), re.S
    )
    edit_form = alice.get(f"/comments/{first}/edit")
    assert_valid_html(edit_form.text) and "The wall held." in edit_form.text
    assert (
        post(alice, f"/comments/{first}/edit", page=f"/comments/{first}/edit", body="The wall held!").status_code == 303
    )
    assert "The wall held!" in article_page(bob) and "(edited)" in article_page(bob)

    report_form = bob.get(f"/comments/{first}/report")
    assert_valid_html(report_form.text) and "<legend>" in report_form.text
    sent = post(bob, f"/comments/{first}/report", page=f"/comments/{first}/report", reason="spam", note="Selling walls")
    assert sent.status_code == 303
    thanks = bob.get(sent.headers["location"])
    assert "Thank you" in thanks.text and 'role="status"' in thanks.text
    again = post(bob, f"/comments/{first}/report", page=f"/comments/{first}/report", reason="abuse")
    assert "already reported" in bob.get(again.headers["location"]).text

    queue = mona.get("/moderation")
    assert queue.status_code == 200
    assert_valid_html(queue.text)
    assert "1 report on a comment by alice" in queue.text and "Spam or advertising" in queue.text
    assert "Selling walls" in queue.text and "from bob" in queue.text
    assert 'href="/moderation"' in article_page(mona) and 'href="/moderation"' not in article_page(bob)

    hidden = post(mona, f"/comments/{first}/hide", page="/moderation", next="/moderation")
    assert hidden.status_code == 303 and hidden.headers["location"] == "/moderation"
    assert "[hidden by a moderator]" in article_page(bob) and "The wall held!" not in article_page(bob)
    assert "The wall held!" in article_page(mona) and "hidden by a moderator</span>" in article_page(mona)
    assert "Barely." in article_page(bob)  # the reply stays where it was
    queue = mona.get("/moderation").text
    assert "No open reports." in queue and f'id="hidden-{first}"' in queue  # resolved by hiding; listed to restore
    assert post(mona, f"/comments/{first}/restore", page="/moderation", next="/moderation").status_code == 303
    assert "The wall held!" in article_page(bob) and "No hidden comments." in mona.get("/moderation").text

    delete_form = alice.get(f"/comments/{first}/delete")
    assert_valid_html(delete_form.text) and "Delete your comment?" in delete_form.text
    assert post(alice, f"/comments/{first}/delete", page=f"/comments/{first}/delete").status_code == 303
    page = article_page(bob)
    assert "The wall held!" not in page and "[deleted]" in page and "Barely." in page  # the thread keeps its shape
    assert comment_store.get_comment(engine, first).body == ""  # the text is really gone
    refused = post(bob, f"/comments/{first}/reply", page=f"/comments/{reply}/reply", body="Too late")
    assert refused.status_code == 400 and "cannot be replied to" in refused.text
    assert 'Comments <span class="count">(1)</span>' in page


def test_only_the_author_edits_or_deletes_and_only_moderators_moderate(people, site):
    alice, bob = people["alice"], people["bob"]
    mine = comment_id(post(alice, "/comments", target="article:a1", body="Mine."))
    assert bob.get(f"/comments/{mine}/edit").status_code == 403
    assert bob.get(f"/comments/{mine}/delete").status_code == 403
    edit = post(bob, f"/comments/{mine}/edit", body="Yours now.")
    assert edit.status_code == 403 and "your own comments" in edit.text
    assert_valid_html(edit.text)
    assert post(bob, f"/comments/{mine}/delete").status_code == 403
    assert post(bob, f"/comments/{mine}/hide").status_code == 403
    assert post(bob, f"/comments/{mine}/restore").status_code == 403
    assert post(bob, f"/moderation/{mine}/dismiss").status_code == 403
    assert bob.get("/moderation").status_code == 403
    assert "Mine." in article_page(alice)
    with httpx.Client(base_url=site) as anonymous:
        assert anonymous.get("/moderation").headers["location"] == "/login?next=/moderation"
        assert anonymous.get(f"/comments/{mine}/edit").status_code == 303
        page = article_page(anonymous)
        assert "Log in</a> or" in page and 'action="/comments"' not in page and "Mine." in page


def test_replies_and_edits_are_refused_once_the_comments_are_closed(people, engine):
    from sqlalchemy import update

    from broadsheet.store.schema import articles

    alice, bob = people["alice"], people["bob"]
    mine = comment_id(post(alice, "/comments", target="article:a1", body="Before closing."))
    with engine.begin() as conn:  # the article is no longer readable: its thread is closed
        conn.execute(update(articles).where(articles.c.id == "a1").values(status="error"))
    reply = post(bob, f"/comments/{mine}/reply", page="/", body="A late reply.")
    edit = post(alice, f"/comments/{mine}/edit", page="/", body="Changed after closing.")
    for response in (reply, edit):
        assert response.status_code == 403 and "closed" in response.text
        assert_valid_html(response.text)
    [kept] = comment_store.thread(engine, Target("article", "a1"))
    assert kept.body == "Before closing." and not kept.replies


def test_a_form_past_the_parser_limits_gets_an_html_page(people):
    from urllib.parse import urlencode

    fields = urlencode([("csrf_token", "x")] + [(f"f{n}", "v") for n in range(1100)])
    response = people["alice"].post(
        "/comments", content=fields, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert response.status_code == 400 and response.headers["content-type"].startswith("text/html")
    assert_valid_html(response.text)


def test_posting_without_the_right_csrf_token_is_refused(people, engine):
    alice = people["alice"]
    assert alice.post("/comments", data={"target": "article:a1", "body": "No token"}).status_code == 403
    wrong = alice.post("/comments", data={"csrf_token": "guess", "target": "article:a1", "body": "Wrong token"})
    assert wrong.status_code == 403
    bobs_token = csrf_of(people["bob"].get("/").text)  # a real token, but another session's
    assert (
        alice.post("/comments", data={"csrf_token": bobs_token, "target": "article:a1", "body": "x"}).status_code == 403
    )
    assert comment_store.thread(engine, Target("article", "a1")) == []


def test_commenting_too_fast_gets_a_429(people):
    alice = people["alice"]
    for number in range(5):
        comment_id(post(alice, "/comments", target="article:a1", body=f"Comment {number}"))
    limited = post(alice, "/comments", target="article:a1", body="One more thought")
    assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert_valid_html(limited.text)
    assert "commenting faster than this site allows" in limited.text and "One more thought</textarea>" in limited.text
    assert comment_id(post(people["bob"], "/comments", target="article:a1", body="Bob is not limited"))


def test_html_in_comments_is_neutralised_and_links_are_ugc(people):
    attack = (
        '<script>alert(1)</script> <img src=x onerror="alert(2)"> <a href="javascript:alert(3)">x</a>\n'
        'javascript:alert(4) see https://example.org/a?b=1&c=2). "https://example.org/q"'
    )
    comment_id(post(people["alice"], "/comments", target="article:a1", body=attack))
    page = article_page(people["bob"])
    body = page[
        page.index('<div class="comment-body">') : page.index("</div>", page.index('<div class="comment-body">'))
    ]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;img" in body
    assert not re.search(r"<(script|img)\b", body) and '<a href="javascript' not in body
    assert (
        '<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow ugc">https://example.org/a?b=1&amp;c=2</a>).' in body
    )
    assert '<a href="https://example.org/q" rel="nofollow ugc">' in body
    assert len(re.findall(r"<a ", body)) == 2


@pytest.mark.parametrize(
    "text, html",
    [
        ("one\ntwo\n\n\nthree", "<p>one<br>two</p><p>three</p>"),
        (
            "(see https://en.wikipedia.org/wiki/Wall_(disambiguation))",
            '<p>(see <a href="https://en.wikipedia.org/wiki/Wall_(disambiguation)" rel="nofollow ugc">'
            "https://en.wikipedia.org/wiki/Wall_(disambiguation)</a>)</p>",
        ),
        ("http:// is not a link", "<p>http:// is not a link</p>"),
        ("a & b < c", "<p>a &amp; b &lt; c</p>"),
    ],
)
def test_comment_text_rendering(text, html):
    assert render_text(text) == html


def test_bad_comments_are_explained_next_to_the_box(people):
    alice = people["alice"]
    empty = post(alice, "/comments", target="article:a1", body="   \n ")
    assert empty.status_code == 400
    assert_valid_html(empty.text)
    assert "Write something before posting." in empty.text
    assert re.search(r'<textarea id="f-body"[^>]*aria-describedby="f-body-help f-body-error"', empty.text)
    long = post(alice, "/comments", target="article:a1", body="x" * 5001)
    assert long.status_code == 400 and "too long" in long.text
    assert post(alice, "/comments", target="article:nope", body="Hi").status_code == 404
    assert post(alice, "/comments", target="nonsense", body="Hi").status_code == 400
    assert alice.get("/comments/999/reply").status_code == 404
    mine = comment_id(post(alice, "/comments", target="article:a1", body="Fine words."))
    unexplained = post(people["bob"], f"/comments/{mine}/report", page=f"/comments/{mine}/report", note="Hmm")
    assert unexplained.status_code == 400
    assert_valid_html(unexplained.text)
    assert 'aria-describedby="f-reason-error"' in unexplained.text and "Choose a reason" in unexplained.text
    assert "Hmm</textarea>" in unexplained.text and 'href="#f-reason"' in unexplained.text


def test_comments_on_stories_follow_merges(people, engine):
    alice = people["alice"]
    made = post(alice, "/comments", target="story:s1", body="On the story.")
    assert made.status_code == 303 and made.headers["location"].startswith("/stories/s1#comment-")
    now = datetime.now(UTC)
    with engine.begin() as conn:  # s1 is merged into s2: its comments move with it
        conn.execute(
            stories.insert().values(
                id="s2",
                title="Harbour",
                article_id="a1",
                first_seen=now,
                last_seen=now,
                article_count=2,
                source_count=1,
                updated_at=now,
            )
        )
        conn.execute(story_redirects.insert().values(old_id="s1", new_id="s2"))
    assert [c.body for c in comment_store.thread(engine, Target("story", "s2"))] == ["On the story."]
    again = post(alice, "/comments", target="story:s1", body="Via the old id.")
    assert again.headers["location"].startswith("/stories/s2#comment-")
    assert comment_store.count_comments(engine, Target("story", "s2")) == 2
    assert comment_store.count_comments(engine, Target("article", "a1")) == 0
    permalink = alice.get(f"/comments/{comment_id(again)}")
    assert permalink.status_code == 303 and permalink.headers["location"].startswith("/stories/s2#comment-")


def test_accounts_and_comments_on_postgres(pg_url):
    from test_accounts import seed

    from broadsheet.store.db import open_database

    engine = open_database(pg_url)
    seed(engine)
    user = user_store.create_user(engine, "Pat", PASSWORD)
    with pytest.raises(user_store.AccountError, match="taken"):
        user_store.create_user(engine, "PAT", PASSWORD)
    token, _session = user_store.start_session(engine, user.id)
    assert user_store.session_for_token(engine, token).user.username == "Pat"
    first = comment_store.add_comment(engine, user.id, Target("article", "a1"), "Top")
    reply = comment_store.add_comment(engine, user.id, Target("article", "a1"), "Reply", parent_id=first.id)
    assert comment_store.report_comment(engine, reply.id, user.id, "spam")
    assert not comment_store.report_comment(engine, reply.id, user.id, "abuse")
    assert [r.comment.id for r in comment_store.report_queue(engine)] == [reply.id]
    comment_store.hide_comment(engine, reply.id, user.id)
    assert comment_store.report_queue(engine) == [] and comment_store.hidden_comments(engine)[0].id == reply.id
    [root] = comment_store.thread(engine, Target("article", "a1"))
    assert root.replies[0].hidden and user_store.site_secret(engine, "csrf") == user_store.site_secret(engine, "csrf")
    user_store.end_session(engine, token)
    assert user_store.session_for_token(engine, token) is None
    engine.dispose()
