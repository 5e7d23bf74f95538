"""`python -m cs_score` runs the command line."""

import sys

try:
    from cs_score.cli import main
except KeyboardInterrupt:  # Ctrl-C while starting up
    sys.exit(130)

main()
