"""Entry point for `python -m preflight`."""

import sys

from .cli import main

sys.exit(main())
