"""Entry point for `python -m preflight` (in the repository) and the installed `aml-preflight` command."""

import os
import sys

from .cli import interrupted, main


def run() -> None:
    """Run the preflight on the command line's arguments and exit with its status."""
    code = main()
    if interrupted():
        # Everything is cleaned up by now. Exit without interpreter finalisation: CPython 3.11 remembers a
        # KeyboardInterrupt that surfaced inside eval() (as during an interrupted import) even after it was
        # handled, and would end the process with SIGINT instead of this exit status.
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
