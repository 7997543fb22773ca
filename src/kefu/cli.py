"""The `kefu` command.

    kefu run      web, API, websockets and the task worker in one process on SQLite, with demo data
    kefu web      the ASGI server alone (production: several of them behind a reverse proxy)
    kefu worker   the Huey task consumer alone (production: any number, on many machines)
    kefu migrate  apply database migrations
    kefu import-calls  import call records (Asterisk queue_log, CDR CSV, mapped CSV)
    kefu import-orders import orders or payments (xlsx, CSV) from a business system
    kefu import-transcripts  import call transcripts from speech recognition (Kefu, Alibaba, Tencent JSON)
    kefu ingest-mail   one mail from stdin (an MTA pipe), or --imap: poll every enabled mailbox once
    kefu manage   any Django management command (`kefu manage createsuperuser`)

Parsing is kept apart from running (`build_parser`, `web_options`, `worker_options`) so that the
tests can check what each subcommand would start without starting it.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Sequence

SETTINGS_MODULE = "kefu.settings"
ASGI_APP = "kefu.asgi:application"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kefu", description="Kefu 客服 — customer-service center platform.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="web, API, websockets and worker in one process")
    run.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    run.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    run.add_argument("--no-demo", dest="demo", action="store_false", help="no demo data in an empty database")
    run.add_argument("--no-worker", dest="worker", action="store_false", help="no embedded task worker")

    web = commands.add_parser("web", help="the ASGI web server alone (production)")
    web.add_argument("--host", default="127.0.0.1", help="address to listen on (default: %(default)s)")
    web.add_argument("--port", type=int, default=8000, help="port to listen on (default: %(default)s)")
    web.add_argument("--uds", default=None, help="listen on this unix socket instead of host:port")
    web.add_argument("-w", "--workers", type=int, default=1, help="web processes (default: %(default)s)")

    worker = commands.add_parser("worker", help="the Huey task consumer alone (production)")
    worker.add_argument("-w", "--workers", type=int, default=None, help="default: settings.HUEY")
    worker.add_argument(
        "-k", "--worker-type", choices=["thread", "process"], default=None, help="default: settings.HUEY"
    )
    worker.add_argument("--no-periodic", dest="periodic", action="store_false", help="no periodic tasks here")
    worker.add_argument(
        "-t",
        "--shutdown-timeout",
        type=float,
        default=30,
        help="seconds running tasks get to finish on SIGTERM",
    )

    commands.add_parser("migrate", help="apply database migrations")

    calls = commands.add_parser("import-calls", help="import call records from PBX log files")
    calls.add_argument("files", nargs="+", metavar="FILE", help="files to import (each is one run)")
    calls.add_argument(
        "-f",
        "--format",
        required=True,
        choices=["queue_log", "cdr", "csv"],
        help="Asterisk queue_log, Master.csv, or CSV",
    )
    calls.add_argument("--map", default="", help="csv: field=column,... (e.g. arrival=开始时间,agent=坐席)")
    calls.add_argument("--encoding", default="auto", help="auto (UTF-8, else GBK/GB18030) or a codec name")
    calls.add_argument(
        "--timezone", default=None, help="zone of times without offset (default: KEFU_TIME_ZONE)"
    )
    calls.add_argument("--quiet-errors", action="store_true", help="print only the count of refused lines")
    calls.add_argument(
        "--skew-seconds",
        type=int,
        default=None,
        help="PBX clock skew tolerated and corrected, in seconds (default: KEFU_CALL_SKEW_SECONDS, 5)",
    )
    calls.add_argument(
        "--update-changed",
        action="store_true",
        help="rewrite stored calls whose lines changed under the same id",
    )
    transcripts = commands.add_parser(
        "import-transcripts", help="import call transcripts from speech-recognition results (JSON)"
    )
    transcripts.add_argument("files", nargs="+", metavar="FILE", help="JSON, JSON array or JSON lines files")
    transcripts.add_argument(
        "--agent-channel",
        default="0",
        help="vendor results: the channel or speaker id of the agent, unless an item says (default: 0)",
    )
    transcripts.add_argument(
        "--quiet-errors", action="store_true", help="print only the count of refused items"
    )
    ingest = commands.add_parser("ingest-mail", help="receive one mail from stdin (MTA pipe) or poll IMAP")
    ingest.add_argument("--imap", action="store_true", help="poll every enabled mailbox once instead")
    ingest.add_argument(
        "--mailbox",
        default=None,
        help="mailbox name or address (default: by the To address; --imap: poll only it)",
    )

    # Everything after `manage` goes to Django untouched (main() routes it before parsing).
    orders = commands.add_parser("import-orders", help="import orders or payments from an xlsx or CSV file")
    orders.add_argument("file", metavar="FILE", help="xlsx, or CSV in UTF-8 or GBK")
    orders.add_argument("--source", required=True, help="the business system (its column mapping is kept)")
    orders.add_argument("--kind", choices=["orders", "payments"], default="orders")
    orders.add_argument("--map", default="", help="file column=field,... (default: the saved or usual names)")
    commands.add_parser("manage", help="run a Django management command: kefu manage <command> [options]")
    return parser


def web_options(args: argparse.Namespace) -> dict:
    """Keyword arguments for uvicorn.Config of `kefu run` and `kefu web`."""
    options = {
        "app": ASGI_APP,
        "host": args.host,
        "port": args.port,
        # Channels' router answers no ASGI lifespan events; "auto" would only log that.
        "lifespan": "off",
        "log_level": os.environ.get("KEFU_LOG_LEVEL", "info").lower(),
    }
    if args.command == "web":
        options["workers"] = args.workers
        if args.uds:
            options["uds"] = args.uds
    return options


def worker_options(args: argparse.Namespace) -> dict:
    """Options for Huey's `run_huey` command of `kefu worker`; unset ones come from settings.HUEY.

    SIGTERM (what systemd and container runtimes send) is the graceful signal: running tasks finish
    within the shutdown timeout, so a restart or deploy loses none.
    """
    options = {"graceful_signal": "TERM", "shutdown_timeout": args.shutdown_timeout}
    if args.workers is not None:
        options["workers"] = args.workers
    if args.worker_type is not None:
        options["worker_type"] = args.worker_type
    if not args.periodic:
        options["periodic"] = False
    return options


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS_MODULE)
    from django.core.exceptions import ImproperlyConfigured

    try:
        return _main(argv)
    except ImproperlyConfigured as exc:  # a missing or wrong setting: say which, not a traceback
        print(f"kefu: {exc}", file=sys.stderr)
        return 2


def _main(argv: list[str]) -> int:
    if argv[:1] == ["manage"]:
        from django.core.management import execute_from_command_line

        _prepare_data_dir()
        execute_from_command_line(["kefu manage", *argv[1:]])
        return 0
    args = build_parser().parse_args(argv)
    # WhiteNoise hands Django's ASGI handler a synchronous file iterator; Django serves it fine
    # and warns about it, which is noise to anyone running Kefu.
    warnings.filterwarnings("ignore", message="StreamingHttpResponse must consume synchronous iterators")
    _setup_django()
    if args.command == "ingest-mail":
        from kefu.intake.email.cli import cmd_ingest_mail

        return cmd_ingest_mail(args)
    handler = {
        "run": cmd_run,
        "web": cmd_web,
        "worker": cmd_worker,
        "migrate": cmd_migrate,
        "import-calls": cmd_import_calls,
        "import-transcripts": cmd_import_transcripts,
        "import-orders": cmd_import_orders,
    }[args.command]
    return handler(args) or 0


# --- subcommands ------------------------------------------------------------------------------


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False)
    return 0


def cmd_import_calls(args: argparse.Namespace) -> int:
    """Exit 0 when every file was read (refused lines are reported, not fatal); 2 when one could not be."""
    from kefu.callcenter.imports import import_calls
    from kefu.core.errors import DomainError

    status = 0
    for name in args.files:
        try:
            run = import_calls(
                path=name,
                fmt=args.format,
                mapping=args.map,
                encoding=args.encoding,
                time_zone=args.timezone,
                skew_seconds=args.skew_seconds,
                update_changed=args.update_changed,
            )
        except DomainError as exc:
            print(f"{name}: not imported: {exc.message}", file=sys.stderr)
            status = 2
            continue
        changed = f"{run.changed} changed" + (
            f" ({run.updated} updated)" if args.update_changed else " (kept; --update-changed rewrites them)"
        )
        print(
            f"{name}: {run.lines} lines, {run.imported} calls imported, {run.duplicates} already present, "
            f"{changed}, {run.skewed} with clock skew corrected, "
            f"{run.incomplete} unfinished (not imported), {run.error_count} lines refused"
            + (
                f"; {run.agent_states} agent state changes imported, {run.agent_states_unknown} of agents "
                "without an agent line (skipped)"
                if args.format == "queue_log"
                else ""
            )
        )
        if not args.quiet_errors:
            for error in run.parsed_errors:
                print(f"{name}:{error.line_no}: {error.reason}", file=sys.stderr)
    return status


def cmd_import_orders(args: argparse.Namespace) -> int:
    """Exit 0 when the file was read (refused lines are reported, not fatal); 2 when it could not be."""
    from pathlib import Path

    from kefu.core.errors import DomainError
    from kefu.customers.imports import import_job_run, import_job_start

    columns = dict(pair.split("=", 1) for pair in args.map.split(",") if "=" in pair) or None
    try:
        job = import_job_start(
            source=args.source,
            kind=args.kind,
            file_name=Path(args.file).name,
            data=Path(args.file).read_bytes(),
            columns=columns,
            queue=False,
        )
        job = import_job_run(job_id=job.pk)  # here, not in the worker: the command reports when done
    except (DomainError, OSError) as exc:
        print(f"{args.file}: not imported: {getattr(exc, 'message', exc)}", file=sys.stderr)
        for field, messages in (getattr(exc, "errors", None) or {}).items():
            for message in messages:
                print(f"{args.file}: {field}: {message}", file=sys.stderr)
        return 2
    if job.failure:
        print(f"{args.file}: not imported: {job.failure}", file=sys.stderr)
        return 2
    print(
        f"{args.file}: {job.lines} lines, {job.imported} imported, {job.duplicates} already present, "
        f"{job.changed} changed (kept as they were), {job.error_count} lines refused"
    )
    for note in job.errors:
        print(f"{args.file}:{note['line']}: {note['field']}: {note['message']}", file=sys.stderr)
    return 0


def cmd_import_transcripts(args: argparse.Namespace) -> int:
    """Per file: transcripts created, already present, sentences dropped, items refused (with their
    line). Exit 0 when anything could be read (refused items are reported, not fatal); 2 when no
    file held a readable item."""
    from kefu.quality.asr import decode
    from kefu.quality.services.transcripts import transcripts_ingest

    read_any = False
    for name in args.files:
        try:
            with open(name, "rb") as handle:
                text = decode(handle.read())
        except OSError as exc:
            print(f"{name}: not read: {exc.strerror or exc}", file=sys.stderr)
            continue
        outcomes = transcripts_ingest(text=text, by=None, agent_channel=args.agent_channel)
        unreadable = [o for o in outcomes if "line" in o.errors or "body" in o.errors]
        read_any = read_any or len(unreadable) < len(outcomes)
        created = [o for o in outcomes if o.status == "created"]
        existing = sum(1 for o in outcomes if o.status == "existing")
        refused = [o for o in outcomes if o.status == "error"]
        dropped = sum(o.dropped for o in created)
        waiting = sum(1 for o in created if not o.linked)
        print(
            f"{name}: {len(outcomes)} items, {len(created)} transcripts created "
            f"({waiting} waiting for their call), {existing} already present, "
            f"{dropped} empty sentences dropped, {len(refused)} refused"
        )
        if args.quiet_errors:
            continue
        for o in outcomes:
            where = f"{name}:{o.line}" if o.line is not None else f"{name}[{o.index}]"
            for field, messages in o.errors.items():
                for message in messages:
                    label = "" if field in ("line", "body") else f"{field}: "
                    print(f"{where}: {label}{message}", file=sys.stderr)
            for warning in o.warnings:
                print(f"{where}: {warning}", file=sys.stderr)
            if o.sorted:
                print(f"{where}: sentences were out of order and were sorted by start", file=sys.stderr)
    return 0 if read_any else 2


def cmd_web(args: argparse.Namespace) -> int:
    import uvicorn

    uvicorn.run(**web_options(args))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from django.core.management import call_command
    from huey.contrib.djhuey import HUEY

    if HUEY.immediate:
        print("kefu worker: KEFU_HUEY_IMMEDIATE is on; tasks run inline, none to consume.", file=sys.stderr)
        return 2
    # One handler of our own; run_huey would add its own beside the root logger's and print twice.
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("[%(asctime)s] %(levelname)s %(threadName)s: %(message)s"))
    huey_logger = logging.getLogger("huey")
    huey_logger.addHandler(handler)
    huey_logger.setLevel(os.environ.get("KEFU_LOG_LEVEL", "INFO").upper())
    huey_logger.propagate = False
    call_command("run_huey", **worker_options(args))
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    import uvicorn
    from django.core.management import call_command
    from django.utils.module_loading import autodiscover_modules

    print("Preparing the database…", flush=True)
    call_command("migrate", interactive=False, verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)
    if args.demo:
        _load_demo_once()
    autodiscover_modules("tasks")

    server = uvicorn.Server(uvicorn.Config(**web_options(args)))

    # uvicorn takes SIGINT/SIGTERM while it serves, then hands them back to the handlers it found
    # (re-raising them). Ours only ask the server to stop, so a signal at any moment from here on —
    # before, during or after serving — ends in the same orderly shutdown of the worker below.
    def request_stop(signum, frame):
        server.should_exit = True

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    worker = None
    try:
        worker = EmbeddedWorker.start_if_wanted(args.worker)
        _print_banner(args)
        server.run()
    finally:
        if worker:
            worker.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("Kefu stopped.", flush=True)
    return 0


# --- helpers ----------------------------------------------------------------------------------


def _prepare_data_dir() -> None:
    """Create the data directory before Django starts: SqliteHuey opens its file there at import."""
    from django.conf import settings

    settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
    settings.MEDIA_ROOT.mkdir(parents=True, exist_ok=True)


def _setup_django() -> None:
    import django

    _prepare_data_dir()
    django.setup()


def _load_demo_once() -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command, get_commands

    if get_user_model().objects.exists():
        return
    if "kefu_demo" not in get_commands():
        print("No demo data (no kefu_demo command); create a user: kefu manage createsuperuser", flush=True)
        return
    print("Loading demo data (first start only)…", flush=True)
    call_command("kefu_demo", logins=False)  # the banner lists the logins, once


def _demo_logins() -> list[tuple[str, str, str]]:
    """The demo logins, if the demo data is in this database."""
    try:
        from kefu.demo.data import demo_logins
    except ImportError:
        return []
    logins = demo_logins()
    if not logins:
        return []
    from django.contrib.auth import get_user_model

    if not get_user_model().objects.filter(username=logins[0][0]).exists():
        return []
    return logins


def _print_banner(args: argparse.Namespace) -> None:
    host = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host
    if ":" in host:
        host = f"[{host}]"
    logins = _demo_logins()
    lines = [""]
    if logins:
        lines.append(f"Kefu is running at http://{host}:{args.port}/ — log in with:")
        width = max(len(username) for username, _, _ in logins)
        lines += [f"    {username:<{width}}  {password}   {role}" for username, password, role in logins]
    else:
        lines.append(f"Kefu is running at http://{host}:{args.port}/ — log in with a user of yours")
        lines.append("    (create one with: kefu manage createsuperuser)")
    from django.conf import settings

    if settings.EMAIL_BACKEND.endswith("filebased.EmailBackend"):
        lines.append(
            f"Outgoing mail is written to {settings.EMAIL_FILE_PATH} (set KEFU_EMAIL_BACKEND to send it)."
        )
    lines += ["Press Ctrl-C to stop.", ""]
    print("\n".join(lines), flush=True)


class EmbeddedWorker:
    """A Huey consumer on threads inside the `kefu run` process.

    Huey's Consumer.run() installs signal handlers, which only the main thread may do and which
    would fight uvicorn's; this consumer leaves signals to `kefu run`, which calls stop().
    """

    def __init__(self, huey, workers: int = 2):
        from huey.consumer import Consumer

        class _Consumer(Consumer):
            def _set_signal_handlers(self):  # signals belong to the main thread (uvicorn, kefu run)
                pass

        self.consumer = _Consumer(huey, workers=workers, worker_type="thread", shutdown_timeout=10)
        self.thread = threading.Thread(target=self.consumer.run, name="huey-consumer", daemon=True)

    @classmethod
    def start_if_wanted(cls, wanted: bool) -> EmbeddedWorker | None:
        from huey.contrib.djhuey import HUEY

        if not wanted:
            print("Task worker not started (--no-worker): tasks wait in the queue.", flush=True)
            return None
        if HUEY.immediate:
            print("Tasks run inline (KEFU_HUEY_IMMEDIATE): no worker needed.", flush=True)
            return None
        from django.conf import settings

        worker = cls(HUEY, workers=settings.HUEY.get("consumer", {}).get("workers", 2))
        worker.start()
        return worker

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Let running tasks finish (at most the shutdown timeout), then stop."""
        self.consumer.stop(graceful=True)
        self.thread.join(timeout=15)


if __name__ == "__main__":
    sys.exit(main())
