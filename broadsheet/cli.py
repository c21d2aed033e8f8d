"""The `broadsheet` command: one Typer app. Every error reaches the user as one sentence."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from broadsheet.cli_jobs import jobs_app
from broadsheet.cli_users import users_app
from broadsheet.config import help_of, parse_assignments, settings_markdown
from broadsheet.errors import BroadsheetError, InputError
from broadsheet.terminal import RichProgress, console, out, progress_bar, state

app = typer.Typer(
    help="Broadsheet: a self-hosted AI news desk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
sources_app = typer.Typer(help="Manage the feeds Broadsheet follows.", no_args_is_help=True)
app.add_typer(sources_app, name="sources")
app.add_typer(users_app, name="users")
app.add_typer(jobs_app, name="jobs")


def _print_version(asked: bool) -> None:
    if asked:
        from broadsheet import __version__

        out.print(f"broadsheet {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def main_options(
    database: Annotated[
        str | None, typer.Option("--database", envvar="BROADSHEET_DATABASE_URL", help=help_of("database_url"))
    ] = None,
    data_dir: Annotated[
        str | None, typer.Option("--data-dir", envvar="BROADSHEET_DATA_DIR", help=help_of("data_dir"))
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log what the pipeline does.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and stop.")
    ] = False,
    assign: Annotated[
        list[str] | None,
        typer.Option(
            "--set", metavar="NAME=VALUE", help="Any setting for this run (repeatable; see `broadsheet settings`)."
        ),
    ] = None,
) -> None:
    """Options that apply to every command."""
    from broadsheet.logs import configure_logging

    state.database, state.data_dir, state.assigned = database, data_dir, parse_assignments(assign or [])
    configure_logging(state.config(), verbose)


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    from broadsheet.store.db import current_revision, make_engine
    from broadsheet.store.db import migrate as run_migrations

    engine = make_engine(state.config().resolved_database_url)
    run_migrations(engine)
    out.print(f"Database is at schema revision {current_revision(engine)}.")


@app.command()
def refresh() -> None:
    """Poll every due source once and fetch new articles."""
    from broadsheet.pipeline.runner import refresh as run_refresh

    config = state.config()
    engine = state.engine(config)
    with progress_bar() as bar:
        report = asyncio.run(run_refresh(engine, config, RichProgress(bar)))
    out.print(
        f"Polled {report.sources_polled} sources ({report.sources_failed} failed); "
        f"{report.articles_saved} new articles, {report.articles_failed} could not be read."
    )


@app.command()
def serve(
    port: Annotated[int | None, typer.Option(help=help_of("port"))] = None,
    host: Annotated[str | None, typer.Option(help=help_of("host"))] = None,
    refresh_interval: Annotated[int | None, typer.Option(help=help_of("refresh_interval"))] = None,
    workers: Annotated[int | None, typer.Option(help=help_of("web_workers"))] = None,
) -> None:
    """Serve the web site and refresh sources periodically (with a job engine: the site only)."""
    from broadsheet.jobs.engine import job_engine
    from broadsheet.service import serve as run_site

    config = state.config(port=port, host=host, web_workers=workers, refresh_interval=refresh_interval)
    engine = state.engine(config)
    if job_engine(config) != "embedded":
        config = config.replace(refresh_interval=0)  # `broadsheet worker` processes run the pipeline
    out.print(f"Serving on http://{config.host}:{config.port}  (Ctrl-C stops)")
    run_site(engine, config)


@app.command("backup")
def backup_cmd(file: Annotated[Path, typer.Argument(help="The backup file to write (gzip JSON lines).")]) -> None:
    """Back up everything: sources, articles, stories, entities, users, comments and the site's secrets."""
    from broadsheet.store.backup import backup

    report = backup(state.engine(), file)
    out.print(f"Backed up {report.total} rows from {len(report.rows)} tables to {file}.")


@app.command("restore")
def restore_cmd(file: Annotated[Path, typer.Argument(help="A file written by `broadsheet backup`.")]) -> None:
    """Restore a backup into an empty database (SQLite or PostgreSQL, whichever made it)."""
    from broadsheet.store.backup import restore

    report = restore(state.engine(), file)
    out.print(f"Restored {report.total} rows into {len(report.rows)} tables from {file}.")


@app.command()
def settings(
    markdown: Annotated[bool, typer.Option("--markdown", help="The README's table of settings instead.")] = False,
) -> None:
    """Every setting: its value, where the value came from (default, file, environment, command line)."""
    if markdown:
        out.print(settings_markdown(), end="", markup=False, highlight=False, soft_wrap=True)
        return
    config = state.config()
    table = Table("setting", "value", "from", box=None)
    for name, value in config.as_dict().items():
        table.add_row(name, escape(repr(value)), escape(config.origins.get(name, "default")))
    out.print(table)


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once by this process.")] = 4,
    queue: Annotated[
        list[str] | None, typer.Option("--queue", help="Only these queues (repeatable; default: all).")
    ] = None,
) -> None:
    """Run pipeline jobs (job_engine procrastinate); start as many as you like, on any machine."""
    from broadsheet.jobs.engine import require_job_engine

    config = state.config()
    require_job_engine(config)  # checked before the job code (and the postgres extra) is loaded
    from broadsheet.jobs.worker import run_worker

    run_worker(config, concurrency, queue or [])


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port for the Broadsheet site.")] = 8000,
    newsroom_port: Annotated[int, typer.Option(help="First port of the demo publishers (0: any free ports).")] = 0,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Ingest the newsroom, then stop.")] = False,
) -> None:
    """Start the fictional demo newsroom, ingest it through the real pipeline and serve the site."""
    from broadsheet.demo.run import run_demo

    run_demo(state, port=port, newsroom_port=newsroom_port, serve_site=not no_serve)


@app.command("extract")
def extract_cmd(
    files: Annotated[list[Path], typer.Argument(help="HTML files (plain or .gz).")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One JSON object per file.")] = False,
    url: Annotated[str | None, typer.Option("--url", help="The page URL (only with one file).")] = None,
) -> None:
    """Extract article text and metadata from saved HTML pages."""
    from broadsheet.extract.files import extract_file

    if url and len(files) != 1:
        raise InputError("extract: --url can only be given with a single file")
    for path in files:
        record = extract_file(path, url)
        if jsonl:
            sys.stdout.write(json.dumps(record, ensure_ascii=False, sort_keys=False) + "\n")
        else:
            out.rule(str(path))
            out.print(
                f"[bold]{record['title']}[/bold]\n{record['byline']} {record['published'] or ''}\n", highlight=False
            )
            out.print(record["text"] or record.get("error", ""), highlight=False, markup=False)


@app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL (.jsonl, .jsonl.gz) or WARC (.warc, .warc.gz) file.")],
) -> None:
    """Import articles from JSONL (fields: id, url, title, text or html, published, source) or a WARC archive."""
    from broadsheet.pipeline.bulk import import_jsonl, import_warc

    engine = state.engine()
    importer = import_warc if file.name.endswith((".warc", ".warc.gz")) else import_jsonl
    with progress_bar() as bar:
        report = importer(engine, file, RichProgress(bar))
    out.print(f"Imported {report.imported} of {report.lines} records; {len(report.errors)} lines skipped.")


@app.command("export")
def export_cmd(file: Annotated[Path, typer.Argument(help="Output JSONL file ('-' for stdout).")]) -> None:
    """Export every article with everything known about it, as JSONL in arrival order."""
    from broadsheet.pipeline.bulk import export_jsonl

    engine = state.engine()
    if str(file) == "-":
        export_jsonl(engine, sys.stdout)
        return
    with file.open("w", encoding="utf-8") as handle:
        count = export_jsonl(engine, handle)
    console.print(f"Exported {count} articles to {file}.")


@app.command("summarize")
def summarize_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL file in the import format (.jsonl or .jsonl.gz).")],
    words: Annotated[int, typer.Option("--words", min=20, max=1000, help="Length of the story summary.")] = 120,
    per_article: Annotated[
        bool, typer.Option("--per-article", help="Print each article's key points as JSONL.")
    ] = False,
) -> None:
    """Summarise the articles of a file taken as one story (JSON), or give each article's key points
    (JSONL), without storing anything."""
    from broadsheet.pipeline.summarize_file import key_points_lines, story_summary_json

    if per_article:
        for line in key_points_lines(file):
            sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        return
    sys.stdout.write(json.dumps(story_summary_json(file, words, state.config()), ensure_ascii=False) + "\n")


@app.command("ask")
def ask_cmd(
    file: Annotated[Path, typer.Argument(help="JSONL file in the import format (.jsonl or .jsonl.gz).")],
    questions: Annotated[Path, typer.Option("--questions", help='JSONL file of {"id", "question"} lines.')],
) -> None:
    """Answer questions from the articles of a file taken as one story (JSONL out: id, answer or null,
    citations), without storing anything; the same answerer as the site's Ask form."""
    from broadsheet.pipeline.ask_file import answer_lines

    def warn(message: str) -> None:
        console.print(f"[yellow]warning:[/yellow] {escape(message)}", highlight=False)

    for line in answer_lines(file, questions, state.config(), warn):
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()


@sources_app.command("add")
def sources_add(url: Annotated[str, typer.Argument(help="A feed URL, or a site URL that links to its feed.")]) -> None:
    """Add a source; a site URL is searched for its feed."""
    from broadsheet.pipeline.runner import add_source_url

    config = state.config()
    source, created = asyncio.run(add_source_url(state.engine(config), config, url))
    verb = "Added" if created else "Already following"
    out.print(f"{verb} {source.title or source.feed_url} ({source.feed_url}), id {source.id}.")


@sources_app.command("import")
def sources_import(file: Annotated[Path, typer.Argument(help="OPML file.")]) -> None:
    """Add every feed listed in an OPML file."""
    from broadsheet.ingest.feeds import read_opml
    from broadsheet.store.sources import add_source

    if not file.is_file():
        raise InputError(f"sources: {file} does not exist")
    engine = state.engine()
    found = read_opml(file.read_bytes())
    listed = found.sources
    added = sum(add_source(engine, s.feed_url, s.title, s.site_url, s.folder)[1] for s in listed)
    for reason in found.skipped:
        out.print(reason, highlight=False, markup=False)
    out.print(f"{added} new sources added, {len(listed) - added} already followed, {len(found.skipped)} skipped.")


@sources_app.command("export")
def sources_export() -> None:
    """Print all sources as OPML."""
    from broadsheet.ingest.feeds import export_opml
    from broadsheet.store.sources import list_sources

    sys.stdout.write(export_opml(list_sources(state.engine())))


@sources_app.command("list")
def sources_list() -> None:
    """List sources with their health."""
    from broadsheet.store.articles import failing_articles
    from broadsheet.store.sources import list_sources
    from broadsheet.web.timefmt import relative_time

    engine = state.engine()
    table = Table("id", "title", "state", "articles", "last fetch", "HTTP", "errors", "last error", "next check")
    for s in list_sources(engine):
        table.add_row(
            str(s.id),
            s.title or s.feed_url,
            s.state,
            str(s.article_count),
            relative_time(s.last_fetched_at) or "never",
            str(s.last_status or ""),
            str(s.error_count),
            s.last_error or "",
            relative_time(s.next_check_at) or "due now",
        )
    out.print(table)
    failing = failing_articles(engine)
    if failing:
        entries = Table("source", "article", "tries", "last error", "next try", title="Articles that could not be read")
        for a in failing:
            entries.add_row(
                str(a.source_id or ""),
                a.url,
                str(a.error_count),
                a.last_error or "",
                relative_time(a.next_try_at) or "due now",
            )
        out.print(entries)


@sources_app.command("remove")
def sources_remove(source_id: Annotated[int, typer.Argument(help="Source id (see `sources list`).")]) -> None:
    """Stop following a source (its articles stay)."""
    from broadsheet.store.sources import delete_source

    delete_source(state.engine(), source_id)
    out.print(f"Removed source {source_id}.")


class Terminated(SystemExit):
    """SIGTERM (systemd, docker, kill): stop like Ctrl-C, so every `finally` and cleanup runs."""


def _on_sigterm(_signum: int, _frame: object) -> None:
    raise Terminated()


def _shut_down() -> None:
    """Stop what the process started besides its main thread: the context's threads and its
    extraction workers."""
    from broadsheet.context import close_installed

    close_installed()


def main() -> None:
    """Entry point: run the app, turning Broadsheet errors into one clear sentence."""
    # Python's default for SIGTERM ends the process at once, leaving its worker processes behind.
    signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        app()
    except Terminated:
        console.print("stopped.")
        sys.exit(0)
    except BroadsheetError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)  # [brackets] stay text
        sys.exit(1)
    except KeyboardInterrupt:
        console.print("stopped.")
        sys.exit(130)
    except Exception as exc:  # a bug: still one sentence for the user, the traceback only with -v
        logging.getLogger("broadsheet").debug("unexpected error", exc_info=True)
        console.print(
            f"[red]error:[/red] unexpected {type(exc).__name__}: {escape(str(exc))} (run with --verbose for details)",
            highlight=False,
        )
        sys.exit(2)
    finally:
        _shut_down()
