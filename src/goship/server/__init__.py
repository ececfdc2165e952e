"""goship's build server: a process that keeps goship imported between builds."""
