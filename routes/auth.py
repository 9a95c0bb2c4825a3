"""`/login` and `/logout`: a plain HTML form (so scripts and proxies can log in too) that posts
`username`, `password` and `csrf_token`.

One message for an unknown user and a wrong password; failed attempts limited per (user name, IP)
and per IP, counted from the audit log that every worker shares (auth/login_limit.py); a new
server-side session on every login; `next` only ever to a local path.
"""

from __future__ import annotations

import math
from functools import partial

from flask import Blueprint, Flask, Response, redirect, render_template, request, session
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf

import urls
from auth.users import User
from services import services

blueprint = Blueprint("auth", __name__, template_folder="templates")

WRONG = "Unknown user or wrong password."


def safe_next(target: str | None) -> str | None:
    """A path of this app to go to after login, or None (urls.local)."""
    return urls.local(target, services().settings.url_prefix)


def landing(user: User) -> str:
    """Where a user lands after login: the first of their teams' default dashboards, or home."""
    prefix = services().settings.url_prefix
    dashboards = services().dashboards
    for team in user.teams:
        for dashboard in dashboards.values():
            if team in dashboard.landing_for and user.may_view(dashboard):
                return urls.dashboard(prefix, dashboard.slug)
    return urls.page(prefix)


def client_ip() -> str:
    return request.remote_addr or "unknown"


def _page(status: int = 200, message: str = "", tone: str = "danger", **form) -> Response:
    html = render_template(
        "login.html",
        csrf_token=generate_csrf(),
        message=message,
        tone=tone,
        next=form.get("next") or "",
        username=form.get("username") or "",
    )
    return Response(html, status=status, mimetype="text/html")


@blueprint.get("/login")
def login_form():
    if current_user.is_authenticated:
        return redirect(
            safe_next(request.args.get("next")) or urls.page(services().settings.url_prefix)
        )
    message = request.args.get("reason") == "ended" and "Your session has ended; log in again."
    return _page(message=message or "", tone="info", next=request.args.get("next", ""))


@blueprint.post("/login")
def login_submit():
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    form = {"username": username[:64], "next": request.form.get("next", "")}
    ip = client_ip()
    limiter = services().login_limiter
    attempt = limiter.begin(ip, username)
    if attempt.wait:
        limiter.settle(attempt, "limited")
        minutes = "a minute" if attempt.wait <= 60 else f"{math.ceil(attempt.wait / 60)} minutes"
        message = f"Too many failed logins from your address. Wait {minutes} and try again."
        return _page(429, message, **form), {"Retry-After": str(math.ceil(attempt.wait))}
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (CSRFError, ValueError) as exc:
        limiter.settle(attempt, "denied", reason="csrf")
        return _page(
            400, f"The form could not be accepted ({exc}); reload the page and try again.", **form
        )
    user = services().users.verify(username, password)
    if user is None:
        limiter.settle(attempt, "denied")
        return _page(401, WRONG, **form)
    # A new session: nothing from before the login (a planted session id included) survives.
    session.clear()
    session_id = services().sessions.start(user, ip)
    login_user(services().sessions.user(session_id))
    limiter.settle(attempt, "ok")
    return redirect(safe_next(form["next"]) or landing(user))


@blueprint.post("/logout")
def logout():
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (CSRFError, ValueError):
        return _page(400, "Log out with the button in the menu bar.")
    if current_user.is_authenticated:
        services().sessions.end(current_user.session_id)
        services().audit.record("logout", current_user.name, ip=client_ip())
    logout_user()
    session.clear()
    return redirect(urls.page(services().settings.url_prefix, "login"))


def template_urls() -> dict:
    """The app's URLs in the plain pages' templates (login, messages): `asset("app.css")`,
    `page("login")`, built by urls.py as everywhere."""
    prefix = services().settings.url_prefix
    return {"asset": partial(urls.asset, prefix), "page": partial(urls.page, prefix)}


def install(server: Flask) -> None:
    settings = services().settings
    server.context_processor(template_urls)
    manager = LoginManager()
    manager.init_app(server)
    manager.session_protection = None  # sessions are server-side rows; see auth/users.py

    @manager.user_loader
    def load(session_id: str) -> User | None:
        return services().sessions.user(session_id)

    server.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE=settings.cookie_samesite,
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_NAME="teamdash_session",
        WTF_CSRF_TIME_LIMIT=None,  # tied to the session instead
    )
    server.register_blueprint(blueprint, url_prefix=urls.mount(settings.url_prefix))
