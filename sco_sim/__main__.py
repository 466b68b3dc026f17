"""``python -m sco_sim`` runs the command line."""

from .cli import entry

entry()
