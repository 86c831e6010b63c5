"""python -m bpdebugger: the same as the bpdebugger command."""

import sys

from .cli import main

sys.exit(main())
