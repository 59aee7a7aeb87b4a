"""Workspace to-dos and task links of this flow."""
