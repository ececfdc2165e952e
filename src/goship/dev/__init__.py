"""``goship dev``: the hot-reload loop without containers (watch, rebuild, restart).

Entry points: :func:`goship.dev.settings.resolve_settings` (facts + goship.toml + flags) and
:class:`goship.dev.loop.DevLoop` (start/stop, events). See docs/dev.md.
"""
