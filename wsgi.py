"""WSGI entry point: ``gunicorn wsgi:app``."""

from myportal import create_app

app = create_app()
