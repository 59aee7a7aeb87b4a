"""The roster workspace: search, one member's entry, signups and invitations, roles."""
