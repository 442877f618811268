"""The store itself: settings, the two databases, the process runtime and its keys (R26).

``config`` (one frozen dataclass from ``CLUEGUARD_*``), ``db`` (the case and vault engines),
``runtime`` (what a process may hold: the staff side alone has the intake private key),
``keys`` (the intake key files), ``errors`` (named workflow errors), ``i18n`` and the one
translation catalog, ``tables`` (site settings such as the receipt salt). Imports nothing of
the other domains.
"""
