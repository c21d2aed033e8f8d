"""schemathesis over /api/openapi.json against a live server on 127.0.0.1: every check it has
(the CLI's `--checks all`), positive and negative cases, a bounded and derandomised run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import schemathesis
from httpserver import AppServer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import CHECKS, load_all_checks
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode

from broadsheet.model import Article
from broadsheet.store import articles as article_store
from broadsheet.store import sources as source_store
from broadsheet.web.app import create_app

load_all_checks()
ALL_CHECKS = list(CHECKS.get_all())  # what `--checks all` runs


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A small desk served over HTTP: its base URL and its OpenAPI document."""
    from broadsheet.config import load_config
    from broadsheet.store.db import open_database

    folder = tmp_path_factory.mktemp("schemathesis")
    config = load_config(environ={}, data_dir=str(folder), page_cache_seconds=0.0, embeddings="off")
    engine = open_database(config.resolved_database_url)
    source, _ = source_store.add_source(engine, "http://pub.example/feed", title="Pub")
    now = datetime.now(UTC)
    with engine.begin() as conn:
        article_store.save_articles(
            conn,
            [
                Article(
                    id=f"a{i}",
                    url=f"http://pub.example/{i}",
                    title=f"Ferry news {i}",
                    source_id=source.id,
                    source_name="Pub",
                    published_at=now - timedelta(hours=i),
                    text=f"Ferry paragraph {i}.",
                )
                for i in range(3)
            ],
        )
    with AppServer(create_app(engine, config)) as base:
        yield base, httpx.get(f"{base}/api/openapi.json").json()
    engine.dispose()


MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def _failures(base: str, operation: object, mode: GenerationMode) -> list[str]:
    """Run one operation's generated cases in one mode; every failed check, as text."""
    found: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=30,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: object) -> None:
        try:
            case.call_and_validate(base_url=base, checks=ALL_CHECKS)
        except (AssertionError, FailureGroup) as exc:  # one FailureGroup per failed case
            found.append(f"{operation.label} [{mode.value}]: {str(exc)[:2000]}")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters, in negative mode)
        assert mode is GenerationMode.NEGATIVE
    return found


def test_api_conforms_to_its_openapi_document(live):
    base, document = live
    schema = schemathesis.openapi.from_dict(document)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 11 and all(op.path.startswith("/api/") for op in operations)
    failures = [f for op in operations for mode in MODES for f in _failures(base, op, mode)]
    assert not failures, "\n\n".join(failures[:10])
