"""Storylines: a subject covered for months links its stories; pages, export and related articles
reach back across them. Fictional texts written for this test."""

from __future__ import annotations

import io
import json
import random
from datetime import UTC, datetime, timedelta

import httpx
from httpserver import AppServer

from broadsheet.pipeline.bulk import export_jsonl, import_jsonl
from broadsheet.pipeline.related import related_for
from broadsheet.store import stories as story_store
from broadsheet.web.app import create_app

START = datetime(2025, 1, 14, 9, 0, tzinfo=UTC)

DOCKS = "Port Varrow dockworkers"
STRIKE = [  # (days after START, title, text): three developments months apart
    (
        0,
        "Port Varrow dockworkers walk out over pay and night shifts",
        "PORT VARROW - Dockworkers at Port Varrow walked out on Tuesday after talks on pay and night shifts broke "
        "down, halting container traffic at Esterland's busiest harbour. The Varrow Dockers' Union said 1,400 "
        "members joined the strike called by union leader Ines Vale.\n\nThe Port Varrow Harbour Authority said "
        "ships would wait at anchor. Ines Vale said the dockworkers would stay out until the harbour authority "
        "restored the night shift allowance.",
    ),
    (
        1,
        "Ships queue off Port Varrow as dockworkers' strike enters second day",
        "PORT VARROW - More than twenty container ships waited off Port Varrow on Wednesday as the dockworkers' "
        "strike entered its second day. The Varrow Dockers' Union and the Port Varrow Harbour Authority held no "
        "talks.\n\nUnion leader Ines Vale told a rally at the harbour gates that dockworkers had lost their night "
        "shift allowance and would not return without it.",
    ),
    (
        2,
        "Exporters count cost of Port Varrow dock strike",
        "PORT VARROW - Exporters said the strike by Port Varrow dockworkers was costing them millions of crowns a "
        "day. The Varrow Dockers' Union said the harbour authority had still not answered its demands on pay and "
        "night shifts, and Ines Vale said pickets would stay at the harbour gates.",
    ),
    (
        120,
        "Port Varrow dockworkers vote to reject harbour authority pay offer",
        "PORT VARROW - Dockworkers at Port Varrow voted to reject the harbour authority's latest pay offer, four "
        "months after their strike began. The Varrow Dockers' Union said 81 percent of members voted no.\n\nInes "
        "Vale, the union leader, said the offer did not restore the night shift allowance that started the "
        "dispute. The Port Varrow Harbour Authority said it was disappointed.",
    ),
    (
        121,
        "Dockers' union rejects Port Varrow offer, strike goes on",
        "PORT VARROW - The Varrow Dockers' Union rejected the Port Varrow Harbour Authority's pay offer and said "
        "the dockworkers' strike would go on. Ines Vale said members wanted the night shift allowance back.",
    ),
    (
        260,
        "Port Varrow dock strike ends with night shift deal",
        "PORT VARROW - The Port Varrow dockworkers' strike ended on Friday after the Varrow Dockers' Union accepted "
        "a deal restoring the night shift allowance, nine months after the first walkout.\n\nInes Vale, the union "
        "leader, said dockworkers would return to the harbour on Monday. The Port Varrow Harbour Authority said "
        "container traffic would be back to normal within a week.",
    ),
    (
        261,
        "Dockworkers return as Port Varrow strike is settled",
        "PORT VARROW - Dockworkers began returning to Port Varrow after the Varrow Dockers' Union settled its "
        "strike with the harbour authority. Ines Vale said the night shift deal was a victory for every docker.",
    ),
]
OTHER = [  # an unrelated subject in the same months
    (
        121,
        "Marrowdale museum unveils ichthyosaur skeleton",
        "MARROWDALE - The Marrowdale Museum unveiled the skeleton of an ichthyosaur found in a quarry near the town. "
        "Curator Elin Strand said the marine reptile was about 180 million years old.",
    ),
    (
        122,
        "Quarry ichthyosaur goes on show in Marrowdale",
        "MARROWDALE - An ichthyosaur skeleton from a Marrowdale quarry went on show at the Marrowdale Museum. "
        "Elin Strand, the curator, said visitors could see the fossil reptile from Saturday.",
    ),
]


def _record(prefix: str, n: int, item: tuple[int, str, str]) -> dict:
    days, title, text = item
    return {
        "id": f"{prefix}-{n}",
        "url": f"https://{prefix}.example/{n}",
        "title": title,
        "text": text,
        "published": (START + timedelta(days=days, minutes=n)).isoformat(),
        "source": f"Outlet {n % 4}",
    }


def _filler(count: int, seed: int = 3) -> list[dict]:
    """Short unrelated items (each its own subject) that push the strike's start far back in arrival order."""
    rng = random.Random(seed)
    words = [
        f"{a}{b}"
        for a in ("mor", "tal", "ven", "sor", "qui", "bel", "dra", "fen")
        for b in ("ax", "ent", "ule", "ory", "ine", "ast", "ond", "ish", "ark", "eld")
    ]
    return [
        {
            "id": f"filler-{n}",
            "url": f"https://filler.example/{n}",
            "title": " ".join(rng.sample(words, 4)),
            "text": " ".join(rng.sample(words, 30)),
            "source": f"Filler {n % 7}",
            "published": (START + timedelta(days=10 + n / 4)).isoformat(),
        }
        for n in range(count)
    ]


def _import(tmp_path, engine, records: list[dict]) -> dict[str, dict]:
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    import_jsonl(engine, path)
    buffer = io.StringIO()
    export_jsonl(engine, buffer)
    return {r["id"]: r for r in map(json.loads, buffer.getvalue().splitlines())}


def test_developments_months_apart_are_one_storyline_of_several_stories(tmp_path, engine):
    records = [_record("strike", n, item) for n, item in enumerate(STRIKE)]
    records += [_record("museum", n, item) for n, item in enumerate(OTHER)]
    exported = _import(tmp_path, engine, records)
    strike = [exported[f"strike-{n}"] for n in range(len(STRIKE))]
    stories = {r["story_id"] for r in strike}
    assert len(stories) >= 3, stories  # months apart: separate stories ...
    assert len({r["storyline_id"] for r in strike}) == 1  # ... of one storyline
    museum = {exported[f"museum-{n}"]["storyline_id"] for n in range(len(OTHER))}
    assert museum.isdisjoint({strike[0]["storyline_id"]})
    for record in exported.values():  # every article carries its story's storyline
        assert record["storyline_id"] == story_store.get_story(engine, record["story_id"]).storyline_id


def test_story_page_shows_earlier_developments(tmp_path, engine, config):
    records = [_record("strike", n, item) for n, item in enumerate(STRIKE)]
    exported = _import(tmp_path, engine, records)
    first, last = exported["strike-0"]["story_id"], exported[f"strike-{len(STRIKE) - 1}"]["story_id"]
    assert first != last
    with AppServer(create_app(engine, config)) as base:
        page = httpx.get(f"{base}/stories/{last}", timeout=30).text
        alone = httpx.get(f"{base}/stories/{first}", timeout=30).text
    assert "Earlier developments" in page and f'href="/stories/{first}"' in page
    assert page.index(f'href="/stories/{first}"') < page.index("(this story)")  # oldest first
    assert "Later developments" in alone and f'href="/stories/{last}"' in alone


def test_related_articles_reach_back_across_the_storyline(tmp_path, engine):
    # 500 unrelated arrivals between the walkout and the deal: beyond the page's arrival window.
    start = [_record("strike", n, item) for n, item in enumerate(STRIKE[:3])]
    end = [_record("strike", n, item) for n, item in enumerate(STRIKE) if n >= 5]
    exported = _import(tmp_path, engine, start + _filler(500) + end)
    item = story_store.understood(engine, exported["strike-5"]["article_id"])
    related = related_for(engine, item.id)
    walkout = {exported[f"strike-{n}"]["article_id"] for n in range(3)}
    assert walkout & set(related), related
    assert item.id not in related


def test_storylines_on_postgres(tmp_path):
    """The same on PostgreSQL (migration 0012 included), when a server is reachable."""
    import os
    import uuid

    import pytest
    from sqlalchemy import create_engine, text

    from broadsheet.store.db import open_database

    admin_url = os.environ.get("BROADSHEET_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"broadsheet_test_{uuid.uuid4().hex[:10]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # no server here: the SQLite tests still cover the code
        pytest.skip(f"PostgreSQL not reachable at {admin_url}: {exc.__class__.__name__}")
    try:
        engine = open_database(admin_url.rsplit("/", 1)[0] + f"/{name}")
        exported = _import(tmp_path, engine, [_record("strike", n, item) for n, item in enumerate(STRIKE)])
        strike = [exported[f"strike-{n}"] for n in range(len(STRIKE))]
        assert len({r["story_id"] for r in strike}) >= 3 and len({r["storyline_id"] for r in strike}) == 1
        engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
