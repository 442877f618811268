"""The ``clueguard`` command, one module per command group.

``main`` builds the root group and the data-directory commands (init, add-staff, audit, doctor,
backup, restore); ``staff``, ``vault`` and ``workflow`` hold those groups; ``serve`` and ``demo``
start the apps; ``support`` has the helpers they share. The bot's command lives with the bot
(``bot.cli``) and is registered here; ``bench`` comes from the top-level benchmarks package, present
in the source checkout only.
"""

from web.cli.main import main

__all__ = ["main"]
