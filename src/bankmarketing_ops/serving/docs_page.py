"""Swagger UI, served from the files of the `swagger-ui-bundle` package: no CDN, offline."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Final

__all__ = ["resolve"]

_TYPES: Final = {
    ".js": b"application/javascript",
    ".css": b"text/css",
    ".png": b"image/png",
    ".html": b"text/html; charset=utf-8",
}
_ASSETS: Final = (
    "swagger-ui.css",
    "swagger-ui-bundle.js",
    "swagger-ui-standalone-preset.js",
    "favicon-32x32.png",
    "favicon-16x16.png",
)

# The validator badge would call validator.swagger.io: switched off (validatorUrl: null).
_PAGE: Final = b"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Swagger UI</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({
      url: "/swagger.json?version=3",
      dom_id: "#swagger-ui",
      validatorUrl: null,
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout"
    });
  </script>
</body>
</html>
"""


@functools.cache
def _asset_dir() -> Path:
    import swagger_ui_bundle

    return Path(swagger_ui_bundle.swagger_ui_path)


@functools.cache
def _asset(name: str) -> bytes:
    return (_asset_dir() / name).read_bytes()


def resolve(path: str) -> tuple[bytes, bytes] | None:
    """(body, content type) for a docs path, or None when it is not one."""
    if path in ("/docs", "/docs/"):
        return _PAGE, _TYPES[".html"]
    name = path.removeprefix("/docs/")
    if path.startswith("/docs/") and name in _ASSETS:
        return _asset(name), _TYPES[Path(name).suffix]
    return None
