"""The ceiling: a bare Flask app answering "hello", served by the same gunicorn configuration."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
