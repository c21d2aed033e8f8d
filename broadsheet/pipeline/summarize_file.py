"""`broadsheet summarize`: story summaries and key points of an import file, nothing stored.

These outputs are the interface summary evaluations use, so their shape is kept stable:
story: {"summary", "words", "article_ids", "sentences": [{"text", "article_id", "source", "start", "end"}],
"generated"}; per article: {"id", "title", "key_points": [{"text", "start", "end"}]}.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from broadsheet.config import Config
from broadsheet.errors import BroadsheetError, InputError
from broadsheet.model import Article
from broadsheet.nlp.summarize import SourceText, key_points, summarize_story
from broadsheet.pipeline.bulk import open_text
from broadsheet.pipeline.stages import article_from_record


def read_articles(path: Path) -> list[Article]:
    """Every usable article of an import file (bad lines are errors: an evaluation must not skip)."""
    found: list[Article] = []
    try:
        with open_text(path) as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    found.append(article_from_record(line, number))
    except UnicodeDecodeError as exc:
        raise InputError(f"summarize: {path} is not UTF-8 text ({exc.reason})") from exc
    return found


def public_id(article: Article) -> str:
    """The id the file gave the article, else Broadsheet's."""
    return article.import_id if article.import_id is not None else article.id


def story_summary_json(path: Path, words: int, config: Config | None = None) -> dict:
    """The file's articles summarised as one story."""
    items = read_articles(path)
    if not items:
        raise InputError(f"summarize: {path} holds no articles")
    docs = [
        SourceText(public_id(a), a.source_name or a.site_name or a.url, a.title, a.text, a.published_at) for a in items
    ]
    summary = summarize_story(docs, words)
    sentences = [
        {"text": c.text, "article_id": c.article_id, "source": c.source, "start": c.start, "end": c.end}
        for c in summary.sentences
    ]
    out = {
        "summary": summary.text,
        "words": len(summary.text.split()),
        "article_ids": summary.article_ids,
        "sentences": sentences,
        "generated": None,
    }
    if config is not None and config.llm_url:
        out["generated"] = _generated(config, summary, words)
    return out


def _generated(config: Config, summary, words: int) -> dict | None:
    """The summary phrased by the generative backend, when it answers and passes the grounding check."""
    from broadsheet.llm.client import generator_for
    from broadsheet.llm.grounding import phrase_summary
    from broadsheet.pipeline.explain import grounded_dict, llm_settings

    try:
        grounded = phrase_summary(generator_for(llm_settings(config)), summary.sentences, words)
    except BroadsheetError:
        return None
    return grounded_dict(grounded) if grounded else None


def key_points_lines(path: Path) -> Iterator[dict]:
    """Each article's key points, in file order."""
    for article in read_articles(path):
        yield {
            "id": public_id(article),
            "title": article.title,
            "key_points": [
                {"text": p.text, "start": p.start, "end": p.end} for p in key_points(article.title, article.text)
            ],
        }
