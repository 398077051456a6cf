"""Renderers: the document model in, an output object out. They never read or write files."""
