"""deckgen: one Markdown source -> a native PowerPoint training deck and an email newsletter."""

__version__ = "0.1.0"
