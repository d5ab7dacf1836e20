"""The ``pmhc`` command: ``pmhc run``, ``pmhc demo --reset``, ``pmhc audit verify``,
``pmhc worker``, and every Django management command (``pmhc migrate``, ...)."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmhc.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else argv)
    args[0] = "pmhc"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
