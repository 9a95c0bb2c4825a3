"""Bounded requests: a body larger than MAX_REQUEST_BYTES is refused before it is read (413), and
JSON bodies are parsed by orjson, which refuses nesting past 1,024 levels instead of recursing
(the guard bounds callback bodies much lower)."""

from __future__ import annotations

import orjson
from flask import Flask
from flask.json.provider import DefaultJSONProvider


class _OrjsonProvider(DefaultJSONProvider):
    def loads(self, s, **kwargs):
        return orjson.loads(s)


def install(server: Flask, max_request_bytes: int) -> None:
    server.config["MAX_CONTENT_LENGTH"] = max_request_bytes
    server.json = _OrjsonProvider(server)
