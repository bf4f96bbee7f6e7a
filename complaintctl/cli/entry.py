"""The console script.  ``--version`` answers before Typer is imported; ``register``, ``list``
and ``show`` run without Typer when cli/fast.py reads the line (issue 17); everything else
goes to the Typer app."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from complaintctl import __version__

        sys.stdout.write(f"complaintctl {__version__}\n")
        return
    from complaintctl.cli import fast

    code = fast.run(sys.argv[1:])
    if code is not None:
        sys.exit(code)
    from complaintctl.cli.app import main as app_main

    app_main()
