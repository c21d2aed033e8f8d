import io
import json

from fixtures_html import ARTICLE_PARAGRAPHS, article_page
from sqlalchemy import event

from broadsheet.pipeline.bulk import export_jsonl, import_jsonl
from broadsheet.pipeline.progress import Progress


class Recorder(Progress):
    def __init__(self):
        self.totals, self.done, self.notes = {}, 0, []

    def start(self, stage, total):
        self.totals[stage] = total

    def advance(self, stage, count=1):
        self.done += count

    def note(self, message):
        self.notes.append(message)


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_import_then_export_keeps_ids_order_and_unknown_fields(tmp_path, engine):
    lines = [
        json.dumps(
            {
                "id": "b-2",
                "url": "http://x.invalid/2?utm_source=a",
                "title": "Two",
                "text": "Second body.",
                "published": "2026-11-02T10:00:00Z",
                "source": "Wire",
                "event_id": 7,
            }
        ),
        json.dumps({"id": "a-1", "title": "One", "text": "First body.", "published": "2026-11-01"}),
        "{not json",
        json.dumps({"id": "c-3", "title": "No body"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": "d-4", "html": article_page(), "url": "http://x.invalid/4"}),
    ]
    progress = Recorder()
    report = import_jsonl(engine, _write(tmp_path / "in.jsonl", lines), progress)
    assert report.imported == 3 and report.lines == 6 and progress.done == 6 and progress.totals["import"] == 6
    assert report.errors == [
        "import: line 3: not valid JSON (Expecting property name enclosed in double quotes at column 2)",
        "import: line 4: needs a non-empty `text` or `html` field",
        "import: line 5: expected a JSON object, got list",
    ]
    buffer = io.StringIO()
    assert export_jsonl(engine, buffer) == 3
    records = [json.loads(line) for line in buffer.getvalue().splitlines()]
    assert [r["id"] for r in records] == ["b-2", "a-1", "d-4"]
    first = records[0]
    assert first["url"] == "http://x.invalid/2" and first["source"] == "Wire"
    assert first["published"] == "2026-11-02T10:00:00+00:00" and first["meta"] == {"event_id": 7}
    assert records[2]["text"].split("\n\n") == ARTICLE_PARAGRAPHS and records[2]["title"].startswith("Tollbridge")


def test_reimport_is_idempotent(tmp_path, engine):
    path = _write(tmp_path / "in.jsonl", [json.dumps({"id": str(i), "text": f"Body {i}"}) for i in range(5)])
    import_jsonl(engine, path)
    import_jsonl(engine, path)
    buffer = io.StringIO()
    assert export_jsonl(engine, buffer) == 5


def test_ten_thousand_articles_import_in_few_transactions(tmp_path, engine):
    lines = [
        json.dumps({"id": f"n{i}", "title": f"Item {i}", "text": f"Paragraph number {i} of the bulk test."})
        for i in range(10_000)
    ]
    commits = []
    event.listen(engine, "commit", lambda conn: commits.append(1))
    report = import_jsonl(engine, _write(tmp_path / "big.jsonl", lines))
    assert report.imported == 10_000 and not report.errors
    # One per batch of 1,000, never one per article; then one each for the related lists, the story
    # digests, the vector snapshot and the planner's statistics.
    assert len(commits) <= 10 + 4
    buffer = io.StringIO()
    assert export_jsonl(engine, buffer) == 10_000
    assert json.loads(buffer.getvalue().splitlines()[-1])["id"] == "n9999"
