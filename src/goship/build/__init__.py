"""``goship build``: compile the service, assemble its image(s), publish them (ko-like split:
build = compile + assemble, publish = outputs)."""

# --format values (here, not in publish, so the CLI can declare its options without importing
# the image code).
FORMATS = ("layout", "oci", "docker")
