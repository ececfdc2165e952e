"""Source analysis: facts about a Go service from ``go list`` and the syntax tree."""
