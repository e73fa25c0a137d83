"""The portal as production runs it (``wsgi.py``), with the ops module installed, for the load runs.

Settings come from the environment (DATABASE_URL, SECRET_KEY, LOG_REQUESTS, ...), as in production.
"""

import os

from myportal import create_app
from myportal.ops import init_app

app = create_app()
app.config["LOG_REQUESTS"] = os.environ.get("LOG_REQUESTS", "1").lower() in {"1", "true", "yes", "on"}
# The bench's staff account logs in with its password only (the second factor is a page, not a cost per request).
app.config["MFA_REQUIRED_ROLES"] = tuple(
    role for role in os.environ.get("BENCH_MFA_REQUIRED_ROLES", "").split(",") if role
)
init_app(app)  # a no-op once create_app installs it
