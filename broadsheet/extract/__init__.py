"""Extraction: article body and metadata from publisher HTML. Pure: text in, dataclasses out."""
