"""``python -m multilabeltext``: the command line."""

from .cli import app

app(prog_name="multilabeltext")
