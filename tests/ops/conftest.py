"""Apps built with the settings each test needs, with :func:`myportal.ops.init_app` installed."""

import io
import json
import logging
import time

import pytest

from myportal import create_app
from myportal.ops import init_app


@pytest.fixture(scope="session")
def make_ops_app(app):
    """``make_ops_app(**settings)``: an app like the session's (same database) with ``settings`` on top.

    ``/_probe`` answers with what the app sees of the client (address, scheme, host); ``/_stream`` streams
    three lines in about 60 ms."""

    def factory(**settings):
        base = {key: value for key, value in app.config.items() if key.isupper()}
        application = create_app({**base, "LOG_REQUESTS": True, **settings})
        init_app(application)  # a no-op once create_app installs it

        @application.route("/_probe")
        def _probe():
            from flask import jsonify, request

            return jsonify(remote_addr=request.remote_addr, scheme=request.scheme, host=request.host)

        @application.route("/_stream")
        def _stream():
            from flask import Response, stream_with_context

            def pieces():
                for number in range(3):
                    time.sleep(0.02)
                    yield f"{number}\n"

            return Response(stream_with_context(pieces()), mimetype="text/plain")

        return application

    return factory


@pytest.fixture(scope="session")
def ops_app(make_ops_app):
    return make_ops_app()


@pytest.fixture
def ops_client(ops_app):
    return ops_app.test_client()


class RequestLog:
    """The JSON lines written to the ``myportal.requests`` logger during a test."""

    def __init__(self, stream: io.StringIO):
        self._stream = stream

    @property
    def records(self) -> list[dict]:
        return [json.loads(line) for line in self._stream.getvalue().splitlines() if line.strip()]


@pytest.fixture
def request_log():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("myportal.requests")
    logger.addHandler(handler)
    yield RequestLog(stream)
    logger.removeHandler(handler)
