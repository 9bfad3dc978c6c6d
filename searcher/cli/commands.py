"""The commands: each reads its options, calls the library, and picks a printer. Nothing
here searches or indexes by itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from searcher.analysis.stemming import NO_STEMMING, STEMMING
from searcher.cli.arguments import QueryCommand
from searcher.cli.environment import console_for, corpus_roots, user_variants_file
from searcher.cli.exit_status import ExitStatus
from searcher.cli.messages import json_line, one_line, warn_about
from searcher.cli.options import (
    MinimumMatchType, color_option, index_option, json_option, path_style_option)
from searcher.cli.on_cluster import (
    cluster_address, cluster_option, naming_the_config, partial_option, shards_option)
from searcher.cli.printers import Output, Shown, Summary, print_hits, printer_for

if TYPE_CHECKING:
    from searcher.cluster.searching import ShardedIndex
    from searcher.engine.store import OpenIndex
    from searcher.search.searcher import IndexSearcher
    from searcher.search.query_syntax import MinimumMatch
    from searcher.search.request import SearchRequest


@click.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--add", "add", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Add a folder or file to the index's roots, keeping the others; repeatable.")
@click.option("--remove", "remove", multiple=True, type=click.Path(path_type=Path),
              help="Drop a root and its documents; repeatable.")
@click.option("--replace", is_flag=True,
              help="Index only PATHS, even if that removes most of the index.")
@click.option("--exclude", "exclude", multiple=True, metavar="GLOB",
              help="Leave out files and folders whose path relative to their root matches "
                   "(kept by later runs); repeatable.")
@click.option("--dry-run", is_flag=True, help="Report what would change; write nothing.")
@click.option("--strict", is_flag=True,
              help="Exit 2 on a skipped file or any warning (else a skipped file is 1).")
@click.option("--rebuild", is_flag=True, help="Build afresh beside the live index, then swap.")
@click.option("--variants", "variant_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra variant table (one group a line); repeatable.")
@click.option("--userdict", "userdict_files", multiple=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Extra words for the segmenter (one a line); repeatable.")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds to wait for another writer to finish.")
@click.option("--segmenter", type=click.Choice(["rjieba", "jieba"]), default="rjieba",
              show_default=True, help="Word segmenter (jieba is the slower reference).")
@click.option("--stemming", type=click.Choice(STEMMING), default=None,
              help="Index English words by their stems, so economy finds economies [default: "
                   "the config's stemming, else as the index has it, else none].")
@click.option("--procs", type=click.IntRange(min=1), default=None,
              help="Processes that analyse and write the index [default: one per core for "
                   "corpora over 2 MB, else 1].")
@click.option("--follow", is_flag=True,
              help="Follow symbolic links that lead out of the given folders.")
@click.option("--max-file-mb", type=click.FloatRange(min=0, min_open=True), default=256,
              show_default=True, help="Skip files (and JSON lines) larger than this.")
@click.option("--max-file-seconds", type=click.FloatRange(min=0, min_open=True), default=60,
              show_default=True,
              help="Skip a file that takes longer than this to read (a large JSON Lines "
                   "file: each 4 MB of it).")
@click.option("--ocr/--no-ocr", default=None,
              help="Read images (.png, .jpg, .tif) and PDF pages without text with Tesseract, "
                   "in both Chinese scripts [default: the config's ocr, else as the index was "
                   "built, else no].")
@click.option("-v", "--verbose", is_flag=True,
              help="Name each file with its outcome (and encoding), and what was ignored.")
@json_option
@cluster_option
@shards_option
@click.pass_context
def index_command(ctx, paths, index_dir, add, remove, replace, exclude, dry_run, strict, rebuild,
                  variant_files, userdict_files, wait, segmenter, stemming, procs, follow,
                  max_file_mb, max_file_seconds, ocr, verbose, as_json, cluster, no_cluster,
                  shards):
    """Build or update the index from corpus files or folders (default: the index's roots,
    else ./corpus). Exit 0 when every file was read, 1 when one was skipped (the rest is
    indexed; each skipped file is named), 2 when the run failed (or, with --strict, a file
    was skipped or warned about).

    \b
    Examples:
      searcher index                       # ./corpus into ./index, incrementally
      searcher index ~/評論 --index ~/評論索引 --rebuild
      searcher index --add ~/新評論 --exclude 'drafts/*' --dry-run
      searcher index --variants my-names.txt --json
      searcher index ~/評論 --index ~/評論索引 --cluster tcp://scheduler:8786 --shards 16
    """
    address = cluster_address(ctx)
    if address is not None:
        from searcher.cli.on_cluster import index_on_cluster, refuse_with_cluster

        if ocr:  # the cluster's workers may have no Tesseract: not silently left out
            refuse_with_cluster(ctx, "--ocr is not available")

        return index_on_cluster(ctx, address, analysis_settings(variant_files,
                                                                userdict_files, segmenter))
    config = ctx.obj
    report = build(index_dir, list(paths), rebuild, variant_files, userdict_files, wait,
                   show_progress=sys.stderr.isatty() and not as_json, procs=procs,
                   segmenter=segmenter, stemming=stemming, follow_outside=follow,
                   max_file_bytes=int(max_file_mb * 1_000_000), file_seconds=max_file_seconds,
                   add=add, remove=remove,
                   replace=replace, exclude=exclude, dry_run=dry_run,
                   fallback=corpus_roots(config), ocr=ocr)
    if verbose:
        for file, outcome in report.files.items():
            encoding = f" ({report.encodings[file]})" if file in report.encodings else ""
            click.echo(f"searcher: {outcome} {one_line(file)}{encoding}", err=True)
        for file, why in report.ignored:
            click.echo(f"searcher: ignored {one_line(f'{file}: {why}')}", err=True)
    warn_about(report)
    if as_json:
        click.echo(json_line(report.to_json()))
    else:
        files = report.file_counts()
        click.echo(
            f"{'would index' if dry_run else 'indexed'} into {index_dir}: {report.added} added, "
            f"{report.updated} updated, {report.removed} removed, {report.unchanged} unchanged "
            f"documents; files: {files['indexed']} indexed, {files['unchanged']} unchanged, "
            f"{files['empty']} empty, {files['removed']} removed, {files['skipped']} skipped, "
            f"{files['ignored']} ignored; {files['warnings']} warnings"
            f"{_ocr_summary(report) if report.ocr else ''} in {report.seconds:.1f} s", err=True)
    if not report.complete(strict):
        # A file skipped costs the run no more than itself: the rest is indexed and live, so
        # not the exit status of a failed run (cron would fail forever over one broken file).
        sys.exit(ExitStatus.ERROR if strict else ExitStatus.INCOMPLETE)


def _ocr_summary(report) -> str:
    pages = report.ocr_read + report.ocr_cached
    return (f"; {pages} page{'' if pages == 1 else 's'} read by OCR "
            f"({report.ocr_cached} from its cache)")


@click.command("search", cls=QueryCommand)
@click.argument("query", nargs=-1, required=True)
@index_option
@click.option("-n", "--limit", type=click.IntRange(min=0), default=10, show_default=True,
              help="Most hits to show; 0 for all (-l, -0: all unless given).")
@click.option("--sort", type=click.Choice(["relevance", "newest", "oldest"]),
              default="relevance", show_default=True, help="Order of hits; ties by score.")
@click.option("--since", help="From this date on: YYYY, YYYY-MM or YYYY-MM-DD (inclusive).")
@click.option("--until", help="Up to this date: YYYY, YYYY-MM or YYYY-MM-DD (inclusive).")
@click.option("--any", "any_word", is_flag=True,
              help="Articles with any of the query's words, those sharing most of them first "
                   "(for a pasted sentence).")
@click.option("--min-match", type=MinimumMatchType(),
              help="Articles with at least N of the query's words, or P% of them (-N, -P%: "
                   "all but so many), those sharing most first.")
@json_option
@click.option("-l", "--files", is_flag=True,
              help="Only the files of matching articles, each once.")
@click.option("-0", "--null", is_flag=True,
              help="Files separated by NUL (for xargs -0); with -l too (-l0).")
@path_style_option
@click.option("-c", "--count", is_flag=True, help="Only the number of matching articles.")
@click.option("-o", "--only-matching", is_flag=True,
              help="Each match on a line of its own: file<TAB>match (with --context N, N "
                   "characters either side).")
@click.option("--csv", "as_csv", is_flag=True,
              help="CSV with a header row: rank, file, record, page, date, title, author, "
                   "source, url, tags, score, snippet.")
@click.option("--format", "template", metavar="TEMPLATE",
              help="A line a hit from the JSON keys: '{date}\\t{title}\\t{url}'.")
@click.option("--timeline", is_flag=True, help="Matching articles over time, as a bar chart.")
@click.option("--by", type=click.Choice(["year", "month", "week"]), default="month",
              show_default=True, help="Period of a --timeline bar.")
@click.option("--snippets", "snippet_count", type=click.IntRange(min=0), default=3,
              show_default=True, help="Most snippets a hit shows.")
@click.option("--context", type=click.IntRange(min=0), default=None,
              help="Characters of context either side of each match [default: a 90-wide "
                   "window].")
@click.option("--no-collapse", is_flag=True,
              help="Show each copy of an article (a repost in another script or spelling, a "
                   "light edit) as a hit of its own, not under the best-ranked copy.")
@click.option("--pager", is_flag=True, help="Page the terminal view (less -R).")
@color_option
@cluster_option
@partial_option
@click.pass_context
def search_command(ctx, query, index_dir, path_style, **options):
    """Ranked full-text search with highlighted snippets.

    Words are ANDed; "quoted phrases" are exact; OR, NOT, -word and parentheses work; fields
    title:, author:, path:, tags:, source:, url:, and date:2025-09, date:2025-09..2026-01,
    date:>=2025-10-01, date:none. OR binds tighter than AND: 普丁 停火 OR 川普 is
    普丁 (停火 OR 川普). Trum* finds every Latin word that starts with trum (a * after
    Chinese characters changes nothing: they are found inside longer words anyway).
    A word matches every spelling in its variant group (川普 finds 特朗普); a quoted phrase
    matches only what it says. After the first word, -word is an excluded word unless it is
    plainly this command's options (-l, -l0, -n 5, --json): 特朗普 -nato excludes nato; after
    -- everything is query text. With --any or --min-match only that many of the words are
    required (a quoted phrase or an OR group counts as one), and the articles that share most
    of them come first: a pasted sentence finds what it is about.

    \b
    Examples:
      searcher search 停火
      searcher search 俄罗斯 停火 --since 2025-10 --until 2026-01
      searcher search '"普丁"' --json
      searcher search 停火 -伊朗
      searcher search 'title:停火 OR date:2026-01 委內瑞拉'
      searcher search 停火 --timeline --by year
      searcher search 伊朗 -0 | xargs -0 -n1 echo
      searcher search 停火 --format '{date}\\t{title}\\t{url}'
      searcher search 普丁 -o --context 10
      searcher search --any '普丁與川普通話討論俄烏停火'
      searcher search --min-match 75% '普丁與川普通話討論俄烏停火' -c
    """
    output = search_output(ctx, **options)
    request = search_request(ctx, " ".join(query), output, **options)
    for word in request.hints():
        click.echo(f"searcher: hint: {word!r} is searched as a word; the operator is "
                   f"{word.upper()}", err=True)
    searcher = open_searched(ctx, index_dir, cluster_address(ctx), options["partial"])
    found = print_search(searcher, request, output, options["by"], path_style)
    sys.exit(ExitStatus.FOUND if found else ExitStatus.NOT_FOUND)


def open_searched(ctx: click.Context, index_dir: Path, cluster: str | None, partial: bool
                  ) -> IndexSearcher | ShardedIndex:
    """What ``search`` searches: one index (``open_for_search``), or a sharded one on the
    cluster at ``cluster`` (``--partial``: a shard that does not answer left out); both
    ``search``, ``count`` and ``timeline`` a request."""
    if partial and cluster is None:
        raise click.UsageError("--partial goes with --cluster")
    if cluster is None:
        from searcher.search.searcher import IndexSearcher

        return IndexSearcher(open_for_search(ctx, index_dir))
    from searcher.cli.on_cluster import sharded_search

    return sharded_search(ctx, cluster, index_dir, partial)


def search_output(ctx: click.Context, as_json: bool, files: bool, null: bool, count: bool,
                  only_matching: bool, as_csv: bool, template: str | None, timeline: bool,
                  pager: bool, color: str, **_) -> Output:
    """What ``search`` prints and in which form, from its options (``UsageError`` for
    options that do not go together)."""
    modes = as_json + (files or null) + count + only_matching + as_csv + (template is not None)
    if modes > 1:
        raise click.UsageError("--json, -l/--files (or -0/--null), -c/--count, -o, --csv and "
                               "--format are exclusive")
    if timeline and modes - as_json:
        raise click.UsageError("--timeline goes alone, or with --json")
    if not timeline and ctx.get_parameter_source("by") != click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--by goes with --timeline")
    form = ("json" if as_json else "null" if null else "files" if files
            else "only-matching" if only_matching else "csv" if as_csv
            else "format" if template is not None else "text")
    what = "timeline" if timeline else "count" if count else "hits"
    return Output(what, form, template, color, pager)


def search_request(ctx: click.Context, text: str, output: Output, limit: int, sort: str,
                   since: str | None, until: str | None, any_word: bool,
                   min_match: MinimumMatch | None, snippet_count: int, context: int | None,
                   no_collapse: bool, **_
                   ) -> SearchRequest:
    """The request ``search``'s options make (``UsageError``, ``DateError`` for a wrong
    one): a list of files (``-l``, ``-0``) is every matching file unless ``-n`` is given,
    copies included (a pipeline wants them all), and finds no match in any; ``-o`` prints
    every match, alone unless ``--context`` widens it."""
    from searcher.search.request import SearchRequest

    if any_word and min_match is not None:
        raise click.UsageError("--any and --min-match are exclusive (--any is --min-match 1)")
    if any_word:
        from searcher.search.query_syntax import ANY

        min_match = ANY
    listing = output.form in ("files", "null")
    explicit_limit = ctx.get_parameter_source("limit") != click.core.ParameterSource.DEFAULT
    if limit == 0 or (listing and not explicit_limit):
        limit = None
    only_matching = output.form == "only-matching"
    if only_matching:
        if ctx.get_parameter_source("snippet_count") == click.core.ParameterSource.DEFAULT:
            snippet_count = None
        context = context or 0
    return SearchRequest.typed(text, since, until, min_match=min_match, sort=sort,
                               limit=limit, collapse=not (no_collapse or listing),
                               snippets=snippet_count, context=context,
                               ellipses=not only_matching, find_matches=not listing)


def print_search(searcher: IndexSearcher | ShardedIndex, request: SearchRequest,
                 output: Output, by: str, path_style: str) -> int:
    """Run ``request`` through the collector ``output`` wants (the top hits, a count, a
    timeline per ``by``) and print what it found; how many articles matched."""
    if output.what == "hits":
        with printer_for(output) as printer:
            result = searcher.search(request)
            print_hits(printer, result.hits, path_style,
                       Summary(result.total, len(result.hits), result.seconds,
                               tuple(request.filters() + result.notes())))
        return result.total
    with printer_for(output) as printer:  # collected: nothing ranked, no article read
        found = (searcher.timeline(request, by) if output.what == "timeline"
                 else Summary(searcher.count(request)))
        printer.end(found)
    return found.total


@click.command("show", cls=QueryCommand)
@click.argument("ref")
@click.argument("query", nargs=-1)
@index_option
@json_option
@click.option("--pager/--no-pager", default=None,
              help="Page the terminal view, opened at the first match [default: on a "
                   "terminal].")
@color_option
@cluster_option
@click.pass_context
def show_command(ctx, ref, query, index_dir, as_json, pager, color, **_):
    """Print one indexed document with its metadata, as the indexer read it; given a QUERY,
    with its matches highlighted.

    REF is a path as search prints it (from here or absolute; FILE#ID for a JSON Lines
    record), a document id, a record id, or the end of a path. A QUERY that does not match
    the document exits 1. On a terminal the article is paged ($PAGER, else less; LESS=FRX
    unless set), opened at its first match.

    \b
    Examples:
      searcher show 003_fbfd2bed5f7712db.txt
      searcher show 003_fbfd2bed5f7712db.txt 普京 停火
      searcher show feeds/2025.jsonl#a17 --json
    """
    from searcher.engine.store import open_index
    from searcher.search.documents import get_document, highlight_document

    if cluster_address(ctx) is not None:  # its shard, read here: the cluster is not asked
        from searcher.cluster.documents import sharded_document

        with naming_the_config(ctx):
            index, stored = sharded_document(index_dir, ref)
    else:
        index = open_index(index_dir)
        stored = get_document(index, ref)
    spans = highlight_document(index, stored, " ".join(query)) if query else []
    if spans is None:
        click.echo(f"searcher: {one_line(' '.join(query))!r} does not match "
                   f"{one_line(stored['path'])}", err=True)
        sys.exit(ExitStatus.NOT_FOUND)
    with printer_for(Output("document", "json" if as_json else "text", color=color,
                            pager=pager)) as printer:
        printer.end(Shown(stored, spans))


@click.command("similar")
@click.argument("ref")
@index_option
@click.option("-n", "--limit", type=click.IntRange(min=1), default=10, show_default=True,
              help="Most articles to show.")
@click.option("--no-collapse", is_flag=True,
              help="Show each copy of an article as an article of its own, and the article's "
                   "own copies too.")
@json_option
@path_style_option
@color_option
@cluster_option
@click.pass_context
def similar_command(ctx, ref, index_dir, limit, no_collapse, as_json, path_style, color,
                    **_):
    """Articles most like one article (its key terms, through the same analysis chain).

    \b
    Example:
      searcher similar 003_fbfd2bed5f7712db.txt -n 5
      searcher similar 評論/2025-03-川普普丁通話.md --json
    """
    from searcher.engine.store import open_index
    from searcher.search.similar import similar

    address = cluster_address(ctx)
    if address is not None:
        from searcher.cli.on_cluster import sharded_search
        from searcher.cluster.similar import sharded_similar

        hits = sharded_similar(sharded_search(ctx, address, index_dir), ref, limit,
                               collapse=not no_collapse)
    else:
        hits = similar(open_index(index_dir), ref, limit, collapse=not no_collapse)
    with printer_for(Output(form="json" if as_json else "text", color=color)) as printer:
        print_hits(printer, hits, path_style)
    sys.exit(ExitStatus.FOUND if hits else ExitStatus.NOT_FOUND)


@click.command("stats")
@index_option
@json_option
@color_option
@cluster_option
@click.pass_context
def stats_command(ctx, index_dir, as_json, color, **_):
    """What the index holds: documents, date range, undated count, size, top terms, and the
    analysis settings it was built with.

    \b
    Examples:
      searcher stats
      searcher stats --index ~/評論索引 --json | jq .documents
    """
    from searcher.engine.store import open_index
    from searcher.search.stats import index_stats

    if cluster_address(ctx) is not None:  # its shards, read here: the cluster is not asked
        from searcher.cluster.stats import sharded_stats

        with naming_the_config(ctx):
            stats = sharded_stats(index_dir)
    else:
        stats = index_stats(open_index(index_dir))
    with printer_for(Output("stats", "json" if as_json else "text", color=color)) as printer:
        printer.end(stats)


@click.command("variants")
@click.argument("terms", nargs=-1)
@click.option("--add", is_flag=True,
              help="Add TERMS as one group to your own table (applied by the next rebuild).")
@index_option
def variants_command(terms, add, index_dir):
    """Show the variant group a term belongs to, as the index uses it; with no term, list the
    groups of your own table (~/.config/searcher/variants.txt); with --add, add one.

    \b
    Examples:
      searcher variants 川普              # 特朗普 川普 …
      searcher variants --add 北韓 朝鲜   # then: searcher index --rebuild
      searcher variants                   # your own groups
    """
    from searcher.analysis.variants import add_group, parse_groups

    own = user_variants_file()
    if add:
        add_group(own, list(terms))
        click.echo(f"added {' '.join(terms)} to {own}; apply it with "
                   f"`searcher index --rebuild --index {index_dir}`", err=True)
        return
    if not terms:
        groups = parse_groups(own.read_text(encoding="utf-8")) if own.is_file() else []
        for group in groups:
            click.echo(" ".join(group))
        if not groups:
            click.echo(f"no groups of your own in {own}: add one with "
                       f"`searcher variants --add SPELLING SPELLING …`", err=True)
            sys.exit(ExitStatus.NOT_FOUND)
        return
    from searcher.analysis.chain import AnalysisChain
    from searcher.analysis.fold import fold
    from searcher.analysis.settings import AnalysisSettings
    from searcher.engine.store import index_exists, open_index

    term = " ".join(terms).strip()
    if not term:
        raise click.UsageError("give a term, e.g. searcher variants 川普")
    chain = (open_index(index_dir).chain if index_exists(index_dir)
             else AnalysisChain(AnalysisSettings.default()))
    group = chain.variants.spellings(fold(term), fold)
    if group is None:
        click.echo(f"{term}: no variants (matched as written, in either script)")
        sys.exit(ExitStatus.NOT_FOUND)
    click.echo(" ".join(group))


def build(index_dir: Path, paths: list[Path], rebuild: bool, variant_files: tuple[Path, ...],
          userdict_files: tuple[Path, ...], wait: float, show_progress: bool,
          procs: int | None = None, segmenter: str = "rjieba", stemming: str | None = None,
          **options):
    """Run the indexer with the user's tables (roots: ``paths``, else the index's own, else
    ``fallback``) and ``stemming`` (None: as the index has it); ``options`` are more of
    ``update_index``'s (limits, roots, ``dry_run``)."""
    from searcher.indexing.update import recorded_stemming, update_index

    settings = analysis_settings(variant_files, userdict_files, segmenter,
                                 stemming or recorded_stemming(index_dir))
    with _progress_bar(show_progress) as progress:
        return update_index(index_dir, paths, settings, rebuild=rebuild, wait=wait,
                            progress=progress, procs=procs, **options)


def analysis_settings(variant_files: tuple[Path, ...] = (), userdict_files: tuple[Path, ...] = (),
                      segmenter: str = "rjieba", stemming: str = NO_STEMMING):
    """What a build analyses with: the shipped tables, the user's own (in the configuration
    folder), then those given."""
    from searcher.analysis.settings import AnalysisSettings
    from searcher.config import user_files

    return AnalysisSettings.from_files(user_files("variants", variant_files),
                                       user_files("userdict", userdict_files), segmenter,
                                       stemming)


def _progress_bar(show: bool):
    """A rich progress bar on stderr, or nothing."""
    import contextlib

    if not show:
        return contextlib.nullcontext(None)
    from rich.progress import Progress

    @contextlib.contextmanager
    def bar():
        with Progress(console=console_for("auto", sys.stderr), transient=True) as progress:
            task = progress.add_task("indexing", total=None)
            yield lambda done, total: progress.update(task, completed=done, total=total)

    return bar()


def open_for_search(ctx: click.Context, index_dir: Path) -> OpenIndex:
    """Open the index for searching (``search``, ``browse``): the default index (or the
    configuration's), not one given by ``--index`` or ``SEARCHER_INDEX``, is built on first
    use from the configured roots, else ./corpus."""
    from searcher.config import user_files
    from searcher.engine.store import open_index, variants_changed
    from searcher.indexing.first_use import build_on_first_use

    if ctx.get_parameter_source("index_dir") in (click.core.ParameterSource.DEFAULT,
                                                 click.core.ParameterSource.DEFAULT_MAP):
        built = build_on_first_use(index_dir, corpus_roots(ctx.obj),
                                   lambda line: click.echo(f"searcher: {line}", err=True))
        if built:
            warn_about(built)
    index = open_index(index_dir)
    if variants_changed(index, user_files("variants", ())):
        click.echo(f"searcher: warning: the variant table changed since {index_dir} was built; "
                   f"searching with the one it was built with (apply the new one with "
                   f"`searcher index --rebuild --index {index_dir}`)", err=True)
    return index


COMMANDS = (index_command, search_command, show_command, similar_command, stats_command,
            variants_command)


@click.command("check")
@index_option
@json_option
def check_command(index_dir, as_json):
    """Verify every file of the index against the checksums recorded when it was written,
    and say which file is damaged and how to repair it (exit 0 healthy, 2 damaged).

    \b
    Examples:
      searcher check
      searcher check --index ~/評論索引 --json
    """
    from searcher.cli.remedies import rebuild_command
    from searcher.engine.store import check_index
    from searcher.errors import IndexDamagedError

    report = check_index(index_dir)
    if as_json:
        click.echo(json_line(report.to_json(repair=rebuild_command(index_dir))))
    if not report.healthy:
        raise IndexDamagedError(report.message(), index_dir)
    if not as_json:
        click.echo(report.message())


COMMANDS += (check_command,)
