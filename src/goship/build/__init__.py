"""``goship build``: compile the service, assemble its image(s), publish them (ko-like split:
build = compile + assemble, publish = outputs)."""
