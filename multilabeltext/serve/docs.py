"""``/docs`` (Swagger UI) and ``/redoc`` served from this machine: nothing is loaded from a CDN or Google Fonts.

FastAPI's default pages load their scripts from a CDN without integrity checks, and ReDoc's fonts from
Google, so the docs broke offline and told third parties who read them. The same scripts ship in the pinned
``fastapi-offline`` package (its ``static/`` folder; only the files are used); they are served under
``/docs-assets/``.

Example:
    >>> from fastapi import FastAPI
    >>> app = FastAPI(docs_url=None, redoc_url=None)
    >>> install_local_docs(app)
"""

from __future__ import annotations

from pathlib import Path

ASSETS = "/docs-assets"


def assets_directory() -> Path:
    import fastapi_offline

    return Path(fastapi_offline.__file__).parent / "static"


def install_local_docs(app, title: str = "multilabeltext") -> None:
    """Add ``/docs``, ``/redoc`` and their assets to ``app`` (made with ``docs_url=None, redoc_url=None``)."""
    from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app.mount(ASSETS, StaticFiles(directory=assets_directory()), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui():
        return get_swagger_ui_html(openapi_url=app.openapi_url, title=f"{title} API",
                                   swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    async def redoc():
        return get_redoc_html(openapi_url=app.openapi_url, title=f"{title} API",
                              redoc_js_url=f"{ASSETS}/redoc.standalone.js",
                              redoc_favicon_url=f"{ASSETS}/favicon.png", with_google_fonts=False)
