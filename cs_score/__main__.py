"""`python -m cs_score` runs the command line."""

from cs_score.cli import main

main()
