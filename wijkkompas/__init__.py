"""Wijkkompas: everything known about a gemeente's buurten and wijken, in one place."""

__version__ = "0.1.0"
# Bumped when the store's layout or meaning changes; part of cache keys and export footers.
STORE_VERSION = 2
