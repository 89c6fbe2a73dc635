"""`python -m gridcommand …`: the same as the `gridcommand` console script (useful from a
source checkout or a second worktree, where the installed script runs another copy)."""
import sys

from gridcommand.cli import main

sys.exit(main())
