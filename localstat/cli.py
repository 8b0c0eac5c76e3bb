"""The ``localstat`` command.

``localstat engine …`` runs the pure engine on files and is dispatched before Django is imported,
so an analyst's run pays for nothing it does not use. Every other verb is Django's management
command of the same name (LocalStat's own commands live in the apps' ``management/commands``).
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["engine"]:
        from localstat.engine.cli import main as engine_main

        sys.exit(engine_main(args[1:]))

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "localstat.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["localstat", *args] if args else ["localstat", "help"])


if __name__ == "__main__":
    main()
