"""Slash commands, one module per concern; each has `add_to(tree)`."""
