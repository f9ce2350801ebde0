"""``python -m nncore``: see `nncore.cli`."""
import sys

from nncore.cli import main

sys.exit(main())
