"""/metrics: Prometheus's text format, gauges read from the database, counters from the processes
(added up across processes in multiprocess mode)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from prometheus_client import values as prometheus_values
from prometheus_client.parser import text_string_to_metric_families

from broadsheet.model import Article
from broadsheet.pipeline.runner import RefreshReport
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.web.app import create_app
from broadsheet.web.metrics import MULTIPROCESS_ENV, Metrics, metrics_of, share_between_processes


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample of an exposition, by name and sorted labels."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@pytest.fixture
def desk(engine, config):
    good, _ = source_store.add_source(engine, "http://good.invalid/feed", title="Good")
    bad, _ = source_store.add_source(engine, "http://bad.invalid/feed", title="Bad")
    now = datetime.now(UTC)
    for _ in range(3):
        source_store.record_failure(engine, bad.id, "fetch: 500 from bad.invalid", now)
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(id=f"m{i}", url=f"http://good.invalid/{i}", title="T", text="Body.", source_id=good.id)
                for i in range(2)
            ],
        )
        article_store.add_pending(conn, [Article(id="waiting", url="http://good.invalid/w", status="pending")])
    return good, bad


def test_metrics_show_the_database_and_the_pages_served(engine, config, desk):
    good, bad = desk
    with TestClient(create_app(engine, config)) as client:
        assert client.get("/").status_code == 200 and client.get("/feed.json").status_code == 200
        assert client.get("/api/articles/nope").status_code == 404
        response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain; version=")
    found = _samples(response.text)
    assert found[("broadsheet_sources", (("state", "healthy"),))] == 1
    assert found[("broadsheet_sources", (("state", "failing"),))] == 1
    assert found[("broadsheet_source_errors", (("source", "Bad"), ("source_id", str(bad.id))))] == 3
    assert found[("broadsheet_source_errors", (("source", "Good"), ("source_id", str(good.id))))] == 0
    assert found[("broadsheet_articles", (("status", "ok"),))] == 2
    assert found[("broadsheet_queue_depth", (("stage", "fetch"),))] == 1
    assert found[("broadsheet_queue_depth", (("stage", "place"),))] == 2  # stored, never placed
    assert found[("broadsheet_pages_served_total", (("kind", "page"), ("status", "2xx")))] == 1
    assert found[("broadsheet_pages_served_total", (("kind", "feed"), ("status", "2xx")))] == 1
    assert found[("broadsheet_pages_served_total", (("kind", "api"), ("status", "4xx")))] == 1


def test_a_refresh_pass_is_counted_with_its_stage_latencies(engine, config):
    app = create_app(engine, config)
    report = RefreshReport(sources_polled=3, sources_failed=1, articles_saved=5, articles_failed=2)
    report.add_time("phase 1: poll feeds (wall)", 0.3)
    metrics_of(app.state.context).record_refresh(report)
    with TestClient(app) as client:
        found = _samples(client.get("/metrics").text)
    assert found[("broadsheet_refresh_passes_total", ())] == 1
    assert found[("broadsheet_fetches_total", (("kind", "feed"), ("outcome", "ok")))] == 2
    assert found[("broadsheet_fetches_total", (("kind", "article"), ("outcome", "failed")))] == 2
    stage = (("stage", "phase 1: poll feeds (wall)"),)
    assert found[("broadsheet_stage_seconds_count", stage)] == 1
    assert found[("broadsheet_stage_seconds_bucket", (("le", "0.5"), *stage))] == 1
    assert found[("broadsheet_stage_seconds_bucket", (("le", "0.25"), *stage))] == 0


def _count_in_another_process(pages: int) -> None:
    """A web process of the same site: counts pages, then exits."""
    metrics = Metrics()
    for _ in range(pages):
        metrics.pages.labels("page", "2xx").inc()


def test_several_processes_add_up_in_multiprocess_mode(engine, tmp_path, monkeypatch):
    monkeypatch.setattr(prometheus_values, "ValueClass", prometheus_values.ValueClass)  # restored after
    monkeypatch.setenv(MULTIPROCESS_ENV, "")
    folder = share_between_processes(str(tmp_path))
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, as uvicorn starts its workers
    for pages in (2, 3):
        child = spawn.Process(target=_count_in_another_process, args=(pages,))
        child.start()
        child.join(120)
        assert child.exitcode == 0
    here = Metrics()
    here.pages.labels("page", "2xx").inc()
    assert here.folder == str(folder) and len(list(folder.glob("*.db"))) == 3  # one file per process
    found = _samples(here.exposition(engine).decode())
    assert found[("broadsheet_pages_served_total", (("kind", "page"), ("status", "2xx")))] == 6
    assert ("broadsheet_sources", (("state", "healthy"),)) in found  # the database's gauges beside them
