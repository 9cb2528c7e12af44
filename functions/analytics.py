"""Analytics endpoints (``GET /api/{transactions,geographic,products,behavior,customers,stores,
filters}``) and the OpenAPI document. Bearer token only (``ANONYMOUS`` at the Functions level):
a browser cannot keep a function key secret.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import azure.durable_functions as df
import azure.functions as func

from functions._http import handle, json_response
from shared.analytics.routes import ENDPOINTS, Endpoint, answer
from shared.auth.principal import ROLE_ADMIN, ROLE_READ, Principal
from shared.db.engine import ensure_schema
from shared.openapi import openapi_document

bp = df.Blueprint()
READERS = frozenset({ROLE_READ, ROLE_ADMIN})


def query_pairs(req: func.HttpRequest) -> list[tuple[str, str]]:
    """Every ``name=value`` of the query string, repeats kept (``req.params`` keeps one per name)."""
    return parse_qsl(urlsplit(req.url).query, keep_blank_values=True)


def _register(endpoint: Endpoint) -> None:
    def trigger(req: func.HttpRequest) -> func.HttpResponse:
        def run(principal: Principal) -> func.HttpResponse:
            result = answer(
                endpoint, query_pairs(req), principal, ensure_schema(), req.headers.get("if-none-match")
            )
            return func.HttpResponse(result.body, status_code=result.status, headers=result.headers)

        return handle(req, run, roles=READERS)

    trigger.__name__ = trigger.__qualname__ = f"analytics_{endpoint.route}"
    route = bp.route(route=endpoint.route, methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
    bp.function_name(name=trigger.__name__)(route(trigger))


for _endpoint in ENDPOINTS:
    _register(_endpoint)


@bp.route(route="openapi.json", methods=["GET"], auth_level=func.AuthLevel.ANONYMOUS)
def openapi(req: func.HttpRequest) -> func.HttpResponse:
    return handle(req, lambda _principal: json_response(openapi_document()), roles=None)
