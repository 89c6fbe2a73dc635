"""`python -m desktop` is `gridcommand gui`."""
import sys

from gridcommand.cli import main

sys.exit(main(["gui", *sys.argv[1:]]))
