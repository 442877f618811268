"""WSGI entry point: ``gunicorn -k gthread -w 2 --threads 32 web.public.wsgi:app`` (CLUEGUARD_* settings).

Threaded workers, as ``clueguard serve public`` starts them: with gunicorn's default sync
workers one Argon2id run or one slow upload holds a whole process (docs/deployment.md).
"""

from models.store.config import config_from_env
from web.public import create_public_app

app = create_public_app(config_from_env())
