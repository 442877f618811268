"""WSGI entry point for gunicorn: ``gunicorn web.public.wsgi:app`` (settings from CLUEGUARD_*)."""

from models.store.config import config_from_env
from web.public import create_public_app

app = create_public_app(config_from_env())
