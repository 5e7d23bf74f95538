"""The command line: the only place that reads flags, prints, writes files and exits.

Exit codes: 0 evaluated and the gate passed; 1 evaluated and the gate failed; 2 could not
evaluate (bad usage, unreadable input, invalid rule set). A user's mistake never shows a
traceback.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import signal
import sys
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from cs_score import __version__, api, authoring, casetests
from cs_score.errors import (
    InputError,
    Problem,
    RuleSetError,
    Terminated,
    UsageError,
    UserError,
    WorkerError,
)
from cs_score.explain import explain
from cs_score.formats import FormatName, FormatOptions, ignored_options
from cs_score.formats.base import printable
from cs_score.formats.explanation import ExplainFormatName, render_json, render_text
from cs_score.grading import LOWEST_GRADE
from cs_score.jsonline import one_line
from cs_score.output import Output
from cs_score.pipeline import DASK_EXTRA, RunResult, cores, find_interaction
from cs_score.records import MAX_LINE_BYTES
from cs_score.report import GateSettings, group_specs
from cs_score.ruleset import RuleSet, not_a_fraction

EXIT_PASSED, EXIT_GATE_FAILED, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_BROKEN_PIPE = 141
"""As a shell reports a command whose reader went away (128 + SIGPIPE)."""
EXIT_TERMINATED = 143
"""As a shell reports a command ended by SIGTERM (128 + 15)."""
MAX_REJECTIONS_ON_STDERR = 50
GATE_NOT_ENFORCED = "the gate was not enforced (--no-gate): the exit code is 0 whatever its verdict"

app = typer.Typer(
    name="cs-score",
    help="Score customer-service interactions against a service standard written in YAML.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


RulesOption = Annotated[
    str | None,
    typer.Option(
        "-r",
        "--rules",
        help="Rules file, or the name of a bundled rule set (default: default).",
        show_default=False,
        metavar="RULES",
    ),
]
RulesArgument = Annotated[
    str,
    typer.Argument(
        help="Rules file, or the name of a bundled rule set.",
        show_default=False,
        metavar="RULES",
    ),
]


def _stderr() -> Console:
    return Console(stderr=True, highlight=False, markup=False, emoji=False, soft_wrap=True)


def _plain(message: str) -> Text:
    """A message for the terminal: text that came from files or names cannot act on it."""
    return Text("\n".join(printable(line) for line in message.split("\n")))


def _fail(message: str) -> NoReturn:
    _stderr().print(Text("error: ", style="bold red") + _plain(message))
    raise typer.Exit(EXIT_ERROR)


def _version(value: bool) -> None:
    if value:
        import cs_score.engine

        compiled = not cs_score.engine.__file__.endswith(".py")  # see setup.py
        typer.echo(f"cs-score {__version__} ({'compiled' if compiled else 'plain Python'})")
        raise typer.Exit()


@app.callback()
def main_callback(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """Score customer-service interactions against a service standard written in YAML."""


def _parse_as_of(value: str | None, ruleset: RuleSet) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"--as-of: not an RFC 3339 time: {value!r} (e.g. 2026-03-31T23:59:59Z)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=ruleset.zone)


def _use_color(stream: object) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


@contextlib.contextmanager
def _progress(console: Console) -> Iterator[Callable[[int], None] | None]:
    """A progress line on stderr (records, rate, elapsed) when stderr is a terminal."""
    if not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("scoring {task.completed:,.0f} lines · {task.description}"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        task = bar.add_task("starting", total=None)

        def advance(lines: int) -> None:
            bar.advance(task, lines)
            done = bar.tasks[0]
            rate = (done.completed / done.elapsed) if done.elapsed else 0.0
            bar.update(task, description=f"{rate:,.0f}/s")

        yield advance


class Engine(StrEnum):
    """Where `evaluate` scores: worker processes on this machine, or a Dask cluster."""

    local = "local"
    dask = "dask"


def _evaluate_on_dask(
    logs: list[str],
    ruleset: RuleSet,
    scheduler: str | None,
    workers: int | None,
    **options: Any,
) -> RunResult:
    """Score on a Dask cluster: the scheduler at ADDRESS, or a local one started for the run."""
    try:
        from cs_score import dask as on_dask
    except ImportError:
        raise UsageError(f"--engine dask needs Dask: {DASK_EXTRA}") from None
    files = on_dask.expand_paths(logs)  # a missing input fails before a cluster starts
    try:
        with on_dask.connect(scheduler, workers):
            return on_dask.evaluate(files, ruleset, **options)
    except (UserError, KeyboardInterrupt):
        raise
    except Exception as exc:  # KilledWorker, a nanny that failed to start, a lost scheduler
        raise WorkerError(f"the Dask cluster failed: {type(exc).__name__}: {exc}") from None


def _report_rejections(console: Console, errors: list[dict[str, object]]) -> None:
    for error in errors[:MAX_REJECTIONS_ON_STDERR]:
        console.print(
            Text(
                printable(f"rejected: {error['file']}:{error['line']}: {error['reason']}"),
                style="yellow",
            )
        )
    if len(errors) > MAX_REJECTIONS_ON_STDERR:
        console.print(
            Text(
                f"… and {len(errors) - MAX_REJECTIONS_ON_STDERR:,} more rejected lines "
                "(all are listed in the report's errors)",
                style="yellow",
            )
        )


def _report_warnings(console: Console, warnings: list[dict[str, Any]]) -> None:
    """One line for each kind of warning: what, how often, and where it first occurs."""
    for warning in warnings:
        count = warning["count"]
        places = ", ".join(
            f"{place['file']}:{place['line']}" if "line" in place else place["file"]
            for place in warning["first"]
        )
        more = ", …" if count > len(warning["first"]) else ""
        noun = "time" if count == 1 else "times"
        console.print(
            Text(
                f"warning: {warning['message']} ({count:,} {noun}: {places}{more})", style="yellow"
            )
        )


@app.command("evaluate")
def evaluate_command(
    logs: Annotated[
        list[str],
        typer.Argument(
            help="Interaction logs: .jsonl, .jsonl.gz, or - for standard input.",
            show_default=False,
            metavar="LOG",
        ),
    ],
    rules: RulesOption = None,
    output_format: Annotated[
        FormatName,
        typer.Option(
            "--format",
            "-f",
            help=f"Output format: {', '.join(FormatName)} (default: table).",
            case_sensitive=False,
            show_default=False,
            metavar="FORMAT",
        ),
    ] = FormatName.table,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the output to FILE (atomically).", metavar="FILE"
        ),
    ] = None,
    group_by: Annotated[
        list[str] | None,
        typer.Option(
            "--group-by",
            help="agent, team, channel, case, day or attributes.NAME; repeatable.",
            metavar="FIELD",
        ),
    ] = None,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Fixed 'now' for promises (default: the latest time in the input).",
            metavar="TIME",
        ),
    ] = None,
    min_score: Annotated[
        float | None,
        typer.Option(
            "--min-score", help="Gate: lowest mean score (0-100).", min=0, max=100, metavar="SCORE"
        ),
    ] = None,
    min_grade: Annotated[
        str | None, typer.Option("--min-grade", help="Gate: lowest grade.", metavar="GRADE")
    ] = None,
    min_pass_rate: Annotated[
        float | None,
        typer.Option(
            "--min-pass-rate",
            help="Gate: lowest share of rated interactions that pass, in percent (0-100).",
            min=0,
            max=100,
            metavar="PERCENT",
        ),
    ] = None,
    max_rejected: Annotated[
        int | None,
        typer.Option(
            "--max-rejected", help="Gate: most lines that may be rejected.", min=0, metavar="LINES"
        ),
    ] = None,
    no_gate: Annotated[
        bool,
        typer.Option(
            "--no-gate",
            help="Report the gate's verdict but exit 0 when it fails (for exports and scripts).",
        ),
    ] = False,
    max_line_bytes: Annotated[
        int,
        typer.Option(
            "--max-line-bytes",
            help="Longest line accepted; longer ones are rejected.",
            min=1,
            metavar="BYTES",
        ),
    ] = MAX_LINE_BYTES,
    details: Annotated[
        bool,
        typer.Option("--details", help="List every interaction (table and markdown formats)."),
    ] = False,
    raw_csv: Annotated[
        bool,
        typer.Option(
            "--raw-csv",
            help="csv: write text cells exactly, without the ' that keeps a spreadsheet from "
            "running one that starts with = + - @ as a formula.",
        ),
    ] = False,
    html_worst: Annotated[
        int,
        typer.Option(
            "--html-worst",
            help="html: the lowest-scoring interactions listed.",
            min=0,
            metavar="N",
        ),
    ] = FormatOptions.worst,
    html_sample: Annotated[
        int,
        typer.Option(
            "--html-sample",
            help="html: other interactions listed, as a sample.",
            min=0,
            metavar="N",
        ),
    ] = FormatOptions.sample,
    html_seed: Annotated[
        int, typer.Option("--html-seed", help="html: which sample is drawn.", metavar="SEED")
    ] = FormatOptions.seed,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            help="Worker processes (default: one per core); with --engine dask, local workers.",
            min=1,
            show_default=False,
            metavar="N",
        ),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            "--engine",
            help="local (default): worker processes here; dask: a Dask cluster (needs the dask "
            "extra).",
            case_sensitive=False,
            show_default=False,
            metavar="ENGINE",
        ),
    ] = Engine.local,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="With --engine dask: the scheduler's ADDRESS (default: a local cluster).",
            metavar="ADDRESS",
        ),
    ] = None,
) -> None:
    """Score every interaction in LOG... and print a graded report.

    \b
    Example:
      cs-score evaluate samples/*.jsonl -r rules.yaml --min-score 85
    """
    stderr = _stderr()
    out: Output | None = None
    try:
        if scheduler is not None and engine is not Engine.dask:
            raise UsageError("--scheduler: needs --engine dask")
        if scheduler is not None and jobs is not None:
            raise UsageError("--jobs: sets the local cluster's workers; not with --scheduler")
        ruleset = api.load_ruleset(rules)
        try:
            specs = group_specs(group_by or ())
        except ValueError as exc:
            raise UsageError(f"--group-by: {exc}") from None
        ignored = ignored_options(output_format, bool(specs), details)
        if ignored:
            raise UsageError(ignored[0])
        if min_grade is not None and min_grade not in ruleset.grade_order():
            raise UsageError(
                f"--min-grade: unknown grade {min_grade!r} "
                f"(grades: {', '.join(ruleset.grade_order())})"
            )
        for flag, value in (("--min-score", min_score), ("--min-pass-rate", min_pass_rate)):
            try:
                not_a_fraction(value)
            except ValueError as exc:
                raise UsageError(f"{flag}: {exc}") from None
        fixed_as_of = _parse_as_of(as_of, ruleset)
        width = shutil.get_terminal_size((100, 24)).columns if output is None else 120
        format_options = FormatOptions(
            color=output is None and _use_color(sys.stdout),
            width=width,
            details=details,
            raw_csv=raw_csv,
            worst=html_worst,
            sample=html_sample,
            seed=html_seed,
        )
        out = Output(output, logs)
        options: dict[str, Any] = {
            "as_of": fixed_as_of,
            "group_by": specs,
            "keep_results": api.needs_results(output_format.value, format_options),
            "max_line_bytes": max_line_bytes,
        }
        if engine is Engine.dask:
            run = _evaluate_on_dask(logs, ruleset, scheduler, jobs, **options)
        else:
            with _progress(stderr) as advance:
                run = api.evaluate(logs, ruleset, jobs=jobs or cores(), progress=advance, **options)
        if run.faults and run.part.read == 0:
            for fault in run.faults:
                stderr.print(Text("error: ", style="bold red") + Text(printable(fault)))
            raise typer.Exit(EXIT_ERROR)
        if run.part.read == 0:
            run.close()
            names = ", ".join("<stdin>" if log == "-" else log for log in logs)
            raise InputError(f"{names}: no interaction records (the input is empty)")
        report = run.report(
            GateSettings.resolve(ruleset, min_score, min_grade, min_pass_rate, max_rejected),
            ["<stdin>" if log == "-" else log for log in logs],
        )
        if no_gate:
            report.notes.append(GATE_NOT_ENFORCED)
        table_on_terminal = (
            output_format is FormatName.table and output is None and sys.stdout.isatty()
        )
        if not table_on_terminal:
            _report_rejections(stderr, report.errors)
        _report_warnings(stderr, report.warnings)
        out.write(
            api.render_chunks(
                report,
                run.results if run.results is not None else (),
                output_format.value,
                format_options,
            )
        )
        run.close()
        if output_format is not FormatName.table or output is not None:
            s = report.summary
            stderr.print(
                Text(
                    f"scored {s['scored']:,} of {s['read']:,} lines ({s['rejected']:,} rejected); "
                    f"mean score {s['mean_score'] if s['mean_score'] is not None else '–'}"
                    f"{' (' + s['grade'] + ')' if s['grade'] else ''}; "
                    f"gate {'passed' if report.passed else 'failed'}"
                    f"{' (not enforced: --no-gate)' if no_gate else ''}"
                )
            )
        for fault in run.faults:
            stderr.print(Text("error: ", style="bold red") + Text(printable(fault)))
        if run.faults:
            raise typer.Exit(EXIT_ERROR)
        raise typer.Exit(EXIT_PASSED if report.passed or no_gate else EXIT_GATE_FAILED)
    except RuleSetError as exc:
        if out is not None:
            out.discard()
        _print_problems(exc.problems, RULE_SET_PROBLEMS)
    except UserError as exc:
        if out is not None:
            out.discard()
        _fail(str(exc))
    except KeyboardInterrupt as exc:
        if out is not None:
            out.discard()
        _interrupted(exc, "nothing was written")
    except BrokenPipeError:
        _quiet_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    except BaseException:
        if out is not None:
            out.discard()
        raise


@app.command("import")
def import_command(
    import_format: Annotated[
        str | None,
        typer.Argument(
            metavar="FORMAT",
            help="A format from --list (zendesk, intercom, freshdesk, amazon-transcribe, "
            "ccai-insights, csv / jsonl with --mapping, …), or `schema` for the mapping "
            "file's JSON Schema.",
            show_default=False,
        ),
    ] = None,
    inputs: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="INPUT...", help="Files to import (or - for stdin).", show_default=False
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the records to FILE (atomically).", metavar="FILE"
        ),
    ] = None,
    mapping: Annotated[
        str | None,
        typer.Option(
            "--mapping",
            "-m",
            help="Mapping file, or a bundled mapping (gorgias, freshdesk); see docs/mapping.md.",
            metavar="MAPPING",
        ),
    ] = None,
    errors_file: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Write every rejected row to FILE as JSON Lines ({file, line, reason}); "
            f"stderr names the first {MAX_REJECTIONS_ON_STDERR}.",
            metavar="FILE",
        ),
    ] = None,
    list_formats: Annotated[
        bool, typer.Option("--list", help="List the import formats, one line each.")
    ] = False,
) -> None:
    """Turn a help-desk export or a public corpus into interaction records (JSON Lines).

    Every input row is either used or rejected as FILE:LINE: reason (on stderr, or all of
    them in --errors FILE), and the accounting is printed after: units read, imported,
    rejected, and what was read but not imported. Exit 0 when all rows were used, 1 when some
    were rejected, 2 when an input could not be read. Formats and their fields:
    docs/importing.md.

    
    Examples:
      cs-score import --list
      cs-score import zendesk tickets.jsonl | cs-score evaluate - -r default
      cs-score import schema > mapping.schema.json
    """
    from cs_score import importers

    if list_formats:
        width = max(len(name) for name in importers.FORMATS)
        for name in importers.FORMATS:
            typer.echo(f"{name:<{width}}  {importers.summary(name)}")
        raise typer.Exit(EXIT_PASSED)
    if import_format == "schema" and not inputs:
        sys.stdout.write(importers.mapping_schema_text())
        raise typer.Exit(EXIT_PASSED)
    if import_format is None or not inputs:
        _fail(
            "import: give a FORMAT and at least one INPUT "
            "(cs-score import --list shows the formats)"
        )

    stderr = _stderr()
    out: Output | None = None
    rejections: Output | None = None
    rejected: list[str] = []
    counts = {"records": 0, "rejected": 0}
    tally = importers.Tally()

    def lines() -> Iterable[str]:
        for item in importers.import_records(import_format, inputs, mapping, tally):
            if isinstance(item, importers.Rejected):
                counts["rejected"] += 1
                if counts["rejected"] <= MAX_REJECTIONS_ON_STDERR:
                    stderr.print(Text(printable(f"rejected: {item}"), style="yellow"))
                if errors_file is not None:
                    rejected.append(
                        _compact({"file": item.file, "line": item.line, "reason": item.reason})
                    )
                continue
            counts["records"] += 1
            yield _compact(item)

    try:
        out = Output(output, inputs)
        if errors_file is not None:
            rejections = Output(errors_file, inputs)
        out.write(lines())
        if rejections is not None:
            rejections.write(rejected)
        if counts["rejected"] > MAX_REJECTIONS_ON_STDERR:
            more = counts["rejected"] - MAX_REJECTIONS_ON_STDERR
            where = f"in {errors_file}" if errors_file else "with --errors FILE"
            stderr.print(Text(printable(f"… and {more:,} more rejected rows (all {where})")))
    except importers.MappingError as exc:
        for written in (out, rejections):
            if written is not None:
                written.discard()
        _print_problems(exc.problems, "the mapping file; nothing was imported")
    except (UserError, KeyboardInterrupt) as exc:
        for written in (out, rejections):
            if written is not None:
                written.discard()
        if isinstance(exc, KeyboardInterrupt):
            _interrupted(exc, "nothing was written")
        _fail(str(exc))
    except BrokenPipeError:
        _quiet_stdout()
        raise typer.Exit(EXIT_BROKEN_PIPE) from None
    noun = "record" if counts["records"] == 1 else "records"
    stderr.print(Text(f"imported {counts['records']:,} {noun} ({counts['rejected']:,} rejected)"))
    for line in tally.summary():
        stderr.print(Text(line))
    raise typer.Exit(EXIT_GATE_FAILED if counts["rejected"] else EXIT_PASSED)


def _compact(value: object) -> str:
    """One line of JSON Lines."""
    return one_line(json.dumps(value, ensure_ascii=False, separators=(",", ":"))) + "\n"


# ---------------------------------------------------------------------------------------------
# Writing a standard: rules check, rules schema, test, init

rules_app = typer.Typer(
    help="Check a rule set, or print the JSON Schema of rules files.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(rules_app, name="rules")


RULE_SET_PROBLEMS = "the rule set; nothing was scored"
"""What the problems are in, when a rule set stops `evaluate` or `explain`."""


def _print_problems(problems: list[Problem], what: str) -> NoReturn:
    stderr = _stderr()
    for found in problems:
        stderr.print(Text("error: ", style="bold red") + Text(printable(str(found))))
    count = len(problems)
    stderr.print(Text(f"{count} problem{'s' if count != 1 else ''} in {what}"))
    raise typer.Exit(EXIT_ERROR)


@rules_app.command("check")
def rules_check_command(
    rules: RulesArgument,
    output_format: Annotated[
        authoring.CheckFormat,
        typer.Option(
            "--format",
            "-f",
            help="Output format: yaml or json (default: yaml).",
            case_sensitive=False,
            show_default=False,
            metavar="FORMAT",
        ),
    ] = authoring.CheckFormat.yaml,
) -> None:
    """Validate RULES and everything it extends; print what it resolves to.

    Every problem is reported at once, as FILE:LINE:COL with the nearest valid key or kind
    (exit 2). A valid rule set is printed after `extends` and defaults, each value with the
    file and line that set it (exit 0).

    \b
    Example:
      cs-score rules check rules.yaml
    """
    try:
        resolved = authoring.resolve(api.load_ruleset(rules))
    except RuleSetError as exc:
        _print_problems(exc.problems, "the rule set")
    except UserError as exc:
        _fail(str(exc))
    render = (
        authoring.render_json
        if output_format is authoring.CheckFormat.json
        else authoring.render_yaml
    )
    sys.stdout.write(render(resolved))
    _stderr().print(_plain(f"{rules} {resolved.summary()}"))


@rules_app.command("schema")
def rules_schema_command() -> None:
    """Print the JSON Schema (draft 2020-12) of rules files, for editor completion.

    Save it next to your rules and put this first line in a rules file:
    # yaml-language-server: $schema=rules.schema.json

    \b
    Example:
      cs-score rules schema > rules.schema.json
    """
    sys.stdout.write(authoring.render_schema())


@app.command("test")
def test_command(
    rules: RulesArgument,
    cases: Annotated[
        list[str],
        typer.Argument(
            help="Cases files: YAML, or JSON Lines (.jsonl); each case has an `expect` block.",
            show_default=False,
            metavar="CASES",
        ),
    ],
    output_format: Annotated[
        casetests.TestFormat,
        typer.Option(
            "--format",
            "-f",
            help="text (default), or junit for CI.",
            case_sensitive=False,
            show_default=False,
            metavar="FORMAT",
        ),
    ] = casetests.TestFormat.text,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o", "--output", help="Write the output to FILE (atomically).", metavar="FILE"
        ),
    ] = None,
) -> None:
    """Run rule-set regression tests: score each case and compare with its `expect` block.

    Exit 0 when every case passes, 1 when any fails, 2 when the rule set or a cases file
    cannot be used.

    \b
    Example:
      cs-score test rules.yaml cases.yaml --format junit -o test-report.xml
    """
    out: Output | None = None
    try:
        ruleset = api.load_ruleset(rules)
        files = casetests.load_cases(cases, ruleset)
        out = Output(output, [*([rules] if Path(rules).is_file() else []), *cases])
        run = casetests.run_cases(files, ruleset)
        if output_format is casetests.TestFormat.junit:
            out.write([casetests.render_junit(run, ruleset.name)])
            _stderr().print(Text(run.summary()))
        elif output is None:
            console = Console(
                highlight=False,
                markup=False,
                emoji=False,
                soft_wrap=True,
                force_terminal=_use_color(sys.stdout),
                no_color=not _use_color(sys.stdout),
            )
            console.print(casetests.render_text(run), end="")
        else:
            out.write([casetests.render_text(run).plain])
    except RuleSetError as exc:
        if out is not None:
            out.discard()
        _print_problems(exc.problems, "the rule set")
    except casetests.CasesError as exc:
        if out is not None:
            out.discard()
        _print_problems(exc.problems, "the cases")
    except UserError as exc:
        if out is not None:
            out.discard()
        _fail(str(exc))
    raise typer.Exit(EXIT_PASSED if not run.failed else EXIT_GATE_FAILED)


@app.command("init")
def init_command(
    folder: Annotated[
        Path, typer.Argument(help="Folder to write into (created if needed).", metavar="DIR")
    ] = Path("."),
) -> None:
    """Write a starter rule set, its schema, a sample log and test cases into DIR.

    Writes rules.yaml (commented, extending `default`), rules.schema.json, interactions.jsonl
    and cases.yaml. Never overwrites a file: if one exists, nothing is written (exit 2).

    \b
    Example:
      cs-score init my-standard
    """
    written: list[Path] = []
    try:
        planned = authoring.plan_init(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for path, text in planned:
            with open(path, "x", encoding="utf-8", newline="\n") as handle:
                written.append(Path(path))
                handle.write(text)
    except FileExistsError as exc:
        _fail(f"{exc.filename}: already exists; stopped there")
    except OSError as exc:
        # All or nothing: a half-written starter would stop the next `init` from running.
        for path in written:
            with contextlib.suppress(OSError):
                path.unlink()
        _fail(
            f"{exc.filename or (written[-1] if written else folder)}: cannot write ({exc.strerror})"
        )
    except UserError as exc:
        _fail(str(exc))
    stderr = _stderr()
    for line in authoring.next_steps(folder):
        stderr.print(Text(line))


def _quiet_stdout() -> None:
    """The reader (e.g. `head`) went away: send what is left nowhere, without a second error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


@app.command("explain")
def explain_command(
    logs: Annotated[
        list[str],
        typer.Argument(
            help="Interaction logs: .jsonl, .jsonl.gz, or - for standard input.",
            show_default=False,
            metavar="LOG",
        ),
    ],
    interaction_id: Annotated[
        str,
        typer.Option(
            "--id", help="Id of the interaction to explain.", show_default=False, metavar="ID"
        ),
    ],
    rules: RulesOption = None,
    output_format: Annotated[
        ExplainFormatName,
        typer.Option(
            "--format",
            "-f",
            help="Output format: text or json (default: text).",
            case_sensitive=False,
            show_default=False,
            metavar="FORMAT",
        ),
    ] = ExplainFormatName.text,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Fixed 'now' for promises (default: the latest time in the input).",
            metavar="TIME",
        ),
    ] = None,
) -> None:
    """Show one interaction: every rule with its status, credit, weight and evidence, and how
    its score was computed. Gives the score evaluate gives: give it the same logs.

    \b
    Example:
      cs-score explain examples/interactions.jsonl --id INT-0013
    """
    try:
        ruleset = api.load_ruleset(rules)
        fixed_as_of = _parse_as_of(as_of, ruleset)
        found = find_interaction(logs, ruleset, interaction_id, fixed_as_of)
        if found.result is None:
            rejected = f", {found.rejected:,} rejected" if found.rejected else ""
            raise UsageError(
                f"no interaction with id {interaction_id!r} in {', '.join(logs)} "
                f"({found.read:,} lines read{rejected})"
            )
        explanation = explain(found.result, ruleset, found.as_of)
        if output_format is ExplainFormatName.json:
            text = render_json(explanation)
        else:
            width = shutil.get_terminal_size((100, 24)).columns
            text = render_text(
                explanation, FormatOptions(color=_use_color(sys.stdout), width=width)
            )
        sys.stdout.write(text)
        sys.stdout.flush()
    except RuleSetError as exc:
        _print_problems(exc.problems, RULE_SET_PROBLEMS)
    except UserError as exc:
        _fail(str(exc))


def _interrupted(exc: KeyboardInterrupt, what: str = "") -> NoReturn:
    """Ctrl-C or SIGTERM: one line, and the exit code a shell gives for that signal."""
    word = "terminated" if isinstance(exc, Terminated) else "interrupted"
    _stderr().print(Text(f"{word}; {what}" if what else word, style="yellow"))
    raise typer.Exit(EXIT_TERMINATED if isinstance(exc, Terminated) else EXIT_INTERRUPTED)


_ABORTS = (typer.Abort,)
"""Click's Abort as typer has it (typer carries its own copy of click; click itself is not a
dependency)."""


def _is_usage_error(exc: Exception) -> bool:
    """A ClickException (bad flags or arguments), from click or from typer's copy of it."""
    return any(kind.__name__ == "ClickException" for kind in type(exc).__mro__)


def _on_sigterm(signum: int, frame: object) -> None:
    raise Terminated


def main() -> None:
    """Console-script entry point: run the app so that every way it can end is one clean line.

    SIGTERM stops a run as Ctrl-C does (workers stopped, no half-written output). A fault of
    the system (disk full, a device that refuses) is one line and exit 2; so is a bug, with a
    way to see its traceback (`CS_SCORE_DEBUG=1`).
    """
    with contextlib.suppress(ValueError):  # not the main thread (an embedding program)
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = app(standalone_mode=False)
    except _ABORTS as abort:  # Ctrl-C or SIGTERM outside a command's own care
        terminated = isinstance(abort.__cause__, Terminated)
        sys.stderr.write("terminated\n" if terminated else "interrupted\n")
        sys.exit(EXIT_TERMINATED if terminated else EXIT_INTERRUPTED)
    except BrokenPipeError:
        _quiet_stdout()
        sys.exit(EXIT_BROKEN_PIPE)
    except OSError as exc:
        _stderr().print(Text("error: ", style="bold red") + _plain(_system_fault(exc)))
        sys.exit(EXIT_ERROR)
    except Exception as exc:
        if _is_usage_error(exc):  # bad flags: click's own message and exit code (2)
            exc.show()  # type: ignore[attr-defined]
            sys.exit(exc.exit_code)  # type: ignore[attr-defined]
        if os.environ.get("CS_SCORE_DEBUG"):
            raise
        _stderr().print(
            Text("error: ", style="bold red")
            + _plain(
                f"internal error: {type(exc).__name__}: {exc} — this is a bug in cs-score; "
                "run again with CS_SCORE_DEBUG=1 to see where, and please report it"
            )
        )
        sys.exit(EXIT_ERROR)
    sys.exit(code if isinstance(code, int) else EXIT_PASSED)


def _system_fault(exc: OSError) -> str:
    """What the system refused, in one line (disk full on standard output or a temporary file)."""
    where = f" ({exc.filename})" if exc.filename else ""
    if exc.errno == errno.ENOSPC:
        return (
            f"no space left on the device{where}; the run was stopped (set TMPDIR to a "
            "folder with more room if the temporary files filled it)"
        )
    return f"{exc.strerror or exc}{where}; the run was stopped"


__all__ = ["LOWEST_GRADE", "app", "main"]
