"""The parameters of each rule kind, as pydantic models of the rules file.

Kept apart from the scoring code in `cs_score.checks`, which is compiled where a C compiler is
at hand: pydantic models stay interpreted Python classes."""
