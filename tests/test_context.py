"""The process context: one place for models, caches and per-database state; and the suite's database."""

from __future__ import annotations

import os
import threading

from broadsheet.context import Context, current, install
from broadsheet.pipeline import understand
from broadsheet.store import semantic


def test_the_suite_runs_on_the_database_it_was_asked_for(engine):
    assert engine.dialect.name == os.environ.get("BROADSHEET_TEST_DATABASE", "sqlite")


def test_shared_objects_are_built_once_even_when_asked_for_at_the_same_time(config):
    context = Context(config)
    built: list[int] = []
    gate = threading.Barrier(8)

    def build() -> object:
        built.append(1)
        return object()

    def ask(out: list) -> None:
        gate.wait()
        out.append(context.shared("thing", "key", build))

    found: list = []
    threads = [threading.Thread(target=ask, args=(found,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(built) == 1 and len({id(f) for f in found}) == 1


def test_per_database_state_lives_in_the_installed_context(engine, config):
    first = install(Context(config, engine))
    assert understand.understander_for(engine) is understand.understander_for(engine)
    assert semantic.index_for(engine) is first.peek("vector-index", str(engine.url))
    second = install(first.derive(config, engine))  # a new context keeps the models, not the state
    assert current() is second and second.peek("understander", str(engine.url)) is None
    assert understand.understander_for(engine) is not first.peek("understander", str(engine.url))
    assert second.peek("embedder", config.embeddings) is first.peek("embedder", config.embeddings)
    first.close()
    second.close()


def test_requested_work_is_done_by_the_context_and_a_sink_takes_it_instead(engine, config):
    from broadsheet.context import request_work

    context = install(Context(config, engine))
    asked: list = []
    context.work.sink = lambda kind, item: asked.append((kind, item))
    request_work("related", "a1")
    assert asked == [("related", "a1")]
    context.work.sink = None
    request_work("enrich", "no-such-article")  # nothing to enrich: done without error
    assert context.work.wait_idle(60)
    context.close()
