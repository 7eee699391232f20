"""The library version, which every verdict carries."""

__version__ = "0.1.0"
