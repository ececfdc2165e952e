"""Output formats (text, json, sarif) for what the commands report."""
