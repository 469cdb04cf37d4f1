"""The roles of the web pages' secret links (a light module: the CLI builds its parser from
them without importing the database models of bot/weblinks.py)."""

from typing import Literal

Role = Literal["screen", "host", "judge"]
ROLES: tuple[Role, ...] = ("screen", "host", "judge")
BOUND_ROLES: tuple[Role, ...] = ("host", "judge")  # roles whose link acts as a person
