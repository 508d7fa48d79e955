"""Sub-commands beyond the core ones: each module here has `register(subparsers)`.

Keeping one module per command lets a feature bring its own command without touching cli.py.
"""
