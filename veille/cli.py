"""The `veille` command. Each subcommand is a thin wrapper over a library function.

Every subcommand accepts `--data-dir` and `--config` (also accepted before the
subcommand name). User mistakes end with one line on stderr and exit code 1,
never a traceback.
"""

from __future__ import annotations

import sys

import click

from veille.commands import common
from veille.commands.classifier import classifier_group
from veille.commands.core import (
    classify_cmd,
    config_group,
    crawl_cmd,
    db_group,
    extract_cmd,
    runs_cmd,
    search_cmd,
)
from veille.commands.demo import demo_cmd
from veille.commands.newsletter import newsletter_group
from veille.commands.schedule import backup_cmd, run_cmd, schedule_cmd
from veille.commands.serve import serve_cmd
from veille.commands.sources import sources_group
from veille.commands.users import users_group
from veille.commands.subscribers import subscribers_group
from veille.errors import UserError

HELP = """veille: the watch of the Observatoire des civic tech.

Collects news from the watched actors (crawl), tags it (classify), archives it
(search) and composes the newsletter. Start with `veille demo`, which does all
of it offline on a small fixture web.
"""


@click.group(help=HELP, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@common.options
@click.version_option(package_name="veille")
def cli() -> None:
    pass


for command in (
    db_group,
    config_group,
    sources_group,
    crawl_cmd,
    classify_cmd,
    classifier_group,
    search_cmd,
    extract_cmd,
    newsletter_group,
    subscribers_group,
    runs_cmd,
    run_cmd,
    schedule_cmd,
    backup_cmd,
    serve_cmd,
    users_group,
    demo_cmd,
):
    cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    try:
        # Outside standalone mode click returns an Exit's code instead of raising it.
        code = cli.main(args=argv, prog_name="veille", standalone_mode=False)
    except UserError as exc:
        click.echo(f"veille: error: {exc}", err=True)
        sys.exit(1)
    except click.exceptions.Abort:
        click.echo("veille: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except Exception as exc:
        from veille.ops import faults

        # A full disk or a database busy past every wait is the server's state, not a bug: one line.
        if not (faults.is_disk_full(exc) or faults.is_transient(exc)):
            raise
        click.echo(f"veille: error: {faults.explain(exc)}", err=True)
        sys.exit(1)
    if isinstance(code, int) and code:
        sys.exit(code)


if __name__ == "__main__":
    main()
