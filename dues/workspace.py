"""The dues to-do items and task links of the workspace."""
