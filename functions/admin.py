"""Admin endpoints (function key + ``Admin`` role); every change is audited (see ``shared/admin.py``).

Routes live under ``manage/`` because Azure Functions refuses HTTP routes that start with
``admin`` (reserved for the host's own admin API), even behind the ``api`` prefix.
"""

from __future__ import annotations

from collections.abc import Callable

import azure.durable_functions as df
import azure.functions as func
from pydantic import BaseModel

from functions._http import client_ip, handle
from shared import admin
from shared.auth.principal import ROLE_ADMIN, Principal
from shared.db.engine import ensure_schema

bp = df.Blueprint()

ADMINS = frozenset({ROLE_ADMIN})
KEY = func.AuthLevel.FUNCTION


def _admin(req: func.HttpRequest, fn: Callable[[Principal], BaseModel]) -> func.HttpResponse:
    return handle(req, lambda principal: fn(principal).model_dump(mode="json"), roles=ADMINS)


def _content_type(req: func.HttpRequest) -> str:
    return req.headers.get("content-type") or ""


@bp.route(route="manage/vendors", methods=["GET"], auth_level=KEY)
def manage_vendors(req: func.HttpRequest) -> func.HttpResponse:
    return _admin(req, lambda p: admin.list_vendors(ensure_schema()))


@bp.route(route="manage/vendors/{vendor_id}", methods=["GET", "PUT"], auth_level=KEY)
def manage_vendor(req: func.HttpRequest) -> func.HttpResponse:
    vendor_id = req.route_params["vendor_id"]
    if req.method == "GET":
        return _admin(req, lambda p: admin.get_vendor(ensure_schema(), vendor_id))
    return _admin(
        req, lambda p: admin.put_vendor(ensure_schema(), p, vendor_id, req.get_body(), client_ip(req))
    )


@bp.route(route="manage/stores", methods=["GET", "PUT"], auth_level=KEY)
def manage_stores(req: func.HttpRequest) -> func.HttpResponse:
    if req.method == "GET":
        return _admin(req, lambda p: admin.list_stores(ensure_schema(), req.params.get("vendor")))
    return _admin(
        req,
        lambda p: admin.upsert_stores(ensure_schema(), p, req.get_body(), _content_type(req), client_ip(req)),
    )


@bp.route(route="manage/products", methods=["PUT"], auth_level=KEY)
def manage_products(req: func.HttpRequest) -> func.HttpResponse:
    return _admin(
        req,
        lambda p: admin.upsert_products(
            ensure_schema(), p, req.get_body(), _content_type(req), client_ip(req)
        ),
    )


@bp.route(route="manage/callers", methods=["GET"], auth_level=KEY)
def manage_callers(req: func.HttpRequest) -> func.HttpResponse:
    return _admin(req, lambda p: admin.list_callers(ensure_schema()))


@bp.route(route="manage/callers/{subject}", methods=["PUT", "DELETE"], auth_level=KEY)
def manage_caller(req: func.HttpRequest) -> func.HttpResponse:
    subject = req.route_params["subject"]
    if req.method == "DELETE":
        return _admin(req, lambda p: admin.delete_caller(ensure_schema(), p, subject, client_ip(req)))
    return _admin(
        req, lambda p: admin.put_caller(ensure_schema(), p, subject, req.get_body(), client_ip(req))
    )


@bp.route(route="manage/readers", methods=["GET"], auth_level=KEY)
def manage_readers(req: func.HttpRequest) -> func.HttpResponse:
    return _admin(req, lambda p: admin.list_readers(ensure_schema()))


@bp.route(route="manage/readers/{subject}", methods=["PUT"], auth_level=KEY)
def manage_reader(req: func.HttpRequest) -> func.HttpResponse:
    subject = req.route_params["subject"]
    return _admin(
        req, lambda p: admin.put_reader(ensure_schema(), p, subject, req.get_body(), client_ip(req))
    )


@bp.route(route="manage/mapping-profiles", methods=["GET"], auth_level=KEY)
def manage_profiles(req: func.HttpRequest) -> func.HttpResponse:
    return _admin(req, lambda p: admin.list_profiles(ensure_schema()))


@bp.route(route="manage/mapping-profiles/{name}", methods=["GET", "PUT", "DELETE"], auth_level=KEY)
def manage_profile(req: func.HttpRequest) -> func.HttpResponse:
    name = req.route_params["name"]
    if req.method == "GET":
        return _admin(req, lambda p: admin.get_profile(ensure_schema(), name))
    if req.method == "DELETE":
        return _admin(req, lambda p: admin.delete_profile(ensure_schema(), p, name, client_ip(req)))
    return _admin(req, lambda p: admin.put_profile(ensure_schema(), p, name, req.get_body(), client_ip(req)))


@bp.route(route="manage/audit", methods=["GET"], auth_level=KEY)
def manage_audit(req: func.HttpRequest) -> func.HttpResponse:
    return _admin(req, lambda p: admin.read_audit(ensure_schema(), req.params))
