"""Wordings of the dues notices."""
