"""ClueGuard's two Flask apps: the public app and the staff app, separate WSGI apps (R26)."""
