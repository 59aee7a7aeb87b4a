"""The dues section of the member's home page."""
