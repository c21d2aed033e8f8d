"""`broadsheet ask`: questions answered from an import file's articles taken as one story, nothing
stored, through the same answerer as the site's Ask form (`explain.story_index` / `explain.answer_of`).

Output, one line per question in input order: {"id", "answer" (the answer text, or null when the
sources do not say), "citations": [{"article", "text"}]}. A bad line in either file is reported
on stderr with its number and skipped; the other lines are still read and answered.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

from broadsheet.config import Config
from broadsheet.errors import InputError
from broadsheet.nlp.summarize import SourceText
from broadsheet.pipeline.bulk import open_text
from broadsheet.pipeline.stages import article_from_record
from broadsheet.pipeline.summarize_file import public_id

Warn = Callable[[str], None]


def read_story(path: Path, warn: Warn) -> list[SourceText]:
    """The file's usable articles as one story's sources; unusable lines are reported and skipped."""
    docs: list[SourceText] = []
    for number, line in _lines(path, "articles", warn):
        try:
            a = article_from_record(line, number)
        except InputError as exc:
            warn(f"ask: {path.name}: {str(exc).removeprefix('import: ')} (skipped)")
            continue
        if not a.text.strip():
            warn(f"ask: {path.name}: line {number}: the article has no text (skipped)")
            continue
        docs.append(SourceText(public_id(a), a.source_name or a.url, a.title, a.text, a.published_at))
    return docs


def read_questions(path: Path, warn: Warn) -> list[tuple[object, str]]:
    """(id, question) per usable line; a line that is not {"id", "question"} is reported and skipped."""
    found: list[tuple[object, str]] = []
    for number, line in _lines(path, "questions", warn):
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            warn(f"ask: {path.name}: line {number}: not valid JSON ({exc.msg} at column {exc.colno}) (skipped)")
            continue
        if not isinstance(record, dict):
            warn(f'ask: {path.name}: line {number}: expected a JSON object with "id" and "question" (skipped)')
            continue
        question = record.get("question")
        if not isinstance(question, str) or not question.strip():
            warn(f'ask: {path.name}: line {number}: "question" is missing or not text (skipped)')
            continue
        if "id" not in record:
            warn(f'ask: {path.name}: line {number}: "id" is missing; the line number is used as its id')
        found.append((record.get("id", number), question))
    return found


def _lines(path: Path, what: str, warn: Warn) -> Iterator[tuple[int, str]]:
    try:
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, line
    except InputError as exc:
        raise InputError(f"ask: the {what} file {path} does not exist") from exc
    except UnicodeDecodeError as exc:
        raise InputError(f"ask: {path} is not UTF-8 text ({exc.reason})") from exc


def answer_lines(articles: Path, questions: Path, config: Config, warn: Warn) -> Iterator[dict]:
    """One output record per usable question, in input order."""
    from broadsheet.pipeline.explain import answer_of, story_index

    docs = read_story(articles, warn)
    asked = read_questions(questions, warn)
    if not docs:
        raise InputError(f"ask: {articles} holds no usable articles")
    index = story_index(docs, config)
    index.prepare([q for _, q in asked])
    for qid, question in asked:
        data = answer_of(index.answer(question))
        yield {
            "id": qid,
            "answer": data["text"] if data["supported"] else None,
            "citations": [{"article": p["article_id"], "text": p["text"]} for p in data["passages"]],
        }
