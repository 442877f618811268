"""The data directory as a whole: both stores' schemas and Alembic migrations (``schema``,
``migrations``), initialising a data directory (``setup``), backup and restore (``backup``).
It sees every domain's tables, so it sits above them all.
"""
