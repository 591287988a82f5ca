"""The newsletter's pages: subscribe (double opt-in), confirm, unsubscribe
(one-click, RFC 8058), the subscriber's own data (export, themes, erasure),
the archive of sent issues with its Atom feed, and the editors' draft editor.

No state changes on GET: a link opens a page whose button POSTs, because
mail scanners and link previews open every link they see. Personal links
carry a signed token (newsletter/tokens.py), which is the proof of who asks.
"""

from __future__ import annotations

import json
from pathlib import Path
from datetime import datetime, timedelta, timezone

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response

from newsletter import links, subscriptions
from newsletter.compose import issue_from_record, section_choices
from newsletter.config import MailConfig, from_settings
from newsletter.render import FeedEntry, render_atom, render_export, render_html, render_text
from newsletter.smtp import SmtpUnavailable
from newsletter.tokens import check_token
from store import deliveries, subscribers, users
from store import newsletters as issue_store
from store.newsletters import EntryEdit, IssueError
from store.subscribers import NewSubscriber, SubscriberError
from store.taxonomy import THEMES
from veille.app import App
from web import csrf
from web.auth import require
from web.context import Web, templates
from web.forms import read_form
from web.secret import secret_key

# An issue's HTML is an email: inline styles and no script. Its pages may
# style themselves inline and nothing else; the preview may be framed by the editor.
ISSUE_CSP = ("default-src 'none'; img-src https: http: data:; style-src 'unsafe-inline'; "
             "base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
SUBSCRIBE_WINDOW = timedelta(minutes=10)
SUBSCRIBES_PER_ADDRESS = 5  # per client address and window
SUBSCRIBES_PER_EMAIL = 3  # confirmation emails to one mailbox per window
HONEYPOT = "site_web"  # hidden from people; bots fill it
# Served from this router: scripts must come from the site itself (CSP script-src 'self').
EDITOR_SCRIPT = Path(__file__).parent / "templates" / "newsletter" / "editor.js"


def _issue_page(html: str, frame: bool = False) -> HTMLResponse:
    headers = {"Content-Security-Policy": ISSUE_CSP, "X-Frame-Options": "SAMEORIGIN" if frame else "DENY"}
    return HTMLResponse(html, headers=headers)


def routes(web: Web) -> APIRouter:
    """The newsletter's routes, plugged in by web/app.py's create_app."""
    config = from_settings(web.settings, secret=web.secret.decode())
    router = APIRouter(include_in_schema=False)
    _public_routes(router, web, config)
    _subscriber_routes(router, web, config)
    _editor_routes(router, web, config)
    return router


def build_router(app: App, web: Web | None = None) -> APIRouter:
    """The same routes for an app built without the shared context."""
    return routes(web or Web(app, templates(), secret_key(app.settings.secret_key.get_secret_value(),
                                                            app.settings.data_dir)))


def _theme_choices() -> list[tuple[str, str]]:
    return [(t.slug, t.label) for t in THEMES]


# --- archive -----------------------------------------------------------------------


def _public_routes(router: APIRouter, web: Web, config: MailConfig) -> None:
    @router.get(links.ARCHIVE)
    def archive(request: Request):
        issues = issue_store.list_issues(web.engine, statuses=("sent",))
        return web.render(request, "newsletter/archive.html", {"issues": [issue_from_record(i) for i in issues]})

    @router.get(links.FEED)
    def feed():
        issues = [issue_from_record(i) for i in issue_store.list_issues(web.engine, statuses=("sent",), limit=50)]
        entries = [
            FeedEntry(i.title, i.email_subject, i.period_label, links.issue_url(config, i.id),
                      i.sent_at.isoformat(timespec="seconds"))
            for i in issues
        ]
        xml = render_atom(entries, title=config.title, archive_url=links.absolute(config, links.ARCHIVE),
                          feed_url=links.absolute(config, links.FEED))
        return Response(xml, media_type="application/atom+xml; charset=utf-8")

    @router.get("/newsletter/{issue_id:int}")
    def web_version(issue_id: int):
        found = issue_store.web_version(web.engine, issue_id)
        if found is None:
            raise HTTPException(404, "Cette lettre n'existe pas ou n'a pas encore été envoyée.")
        return _issue_page(found[0])

    @router.get(links.SUBSCRIBE)
    def subscribe_form(request: Request):
        return web.render(request, "newsletter/subscribe.html", {"themes": _theme_choices(), "form": {}})

    @router.post(links.SUBSCRIBE)
    async def subscribe(request: Request):
        csrf.check_origin(request)
        form = await read_form(request)
        if form.get(HONEYPOT, "site web", 500):
            # A bot: answer as if it worked, so it learns nothing.
            return web.render(request, "newsletter/subscribe_done.html", {})
        email = form.get("email", "adresse électronique", 320).strip()
        new = NewSubscriber(email, form.get("name", "nom", 200), tuple(form.getall("themes")))
        _limit_subscriptions(web, request, email)
        try:
            subscriptions.request(web.engine, config, new)
        except SubscriberError as exc:
            return web.render(request, "newsletter/subscribe.html", {
                "themes": _theme_choices(), "form": {"email": email, "name": new.name, "themes": new.themes},
                "error": _french(exc)}, status=422)
        except SmtpUnavailable:
            raise HTTPException(503, "L'email de confirmation n'a pas pu partir : réessayez dans quelques minutes.")
        return web.render(request, "newsletter/subscribe_done.html", {})


def _limit_subscriptions(web: Web, request: Request, email: str) -> None:
    address = request.client.host if request.client else "?"
    keys = ((f"subscribe:address:{address}", SUBSCRIBES_PER_ADDRESS),
            (f"subscribe:email:{email.lower()}", SUBSCRIBES_PER_EMAIL))
    if any(users.count_events(web.engine, key, SUBSCRIBE_WINDOW) >= limit for key, limit in keys):
        raise HTTPException(429, "Trop de demandes d'inscription : réessayez dans quelques minutes.",
                            headers={"Retry-After": str(int(SUBSCRIBE_WINDOW.total_seconds()))})
    for key, _ in keys:
        users.record_event(web.engine, key)


def _french(exc: SubscriberError) -> str:
    text = str(exc)
    if text.startswith("not a valid email"):
        return "Cette adresse électronique n'est pas valide."
    if text.startswith("unknown theme"):
        return "Un des thèmes choisis n'existe pas."
    return text


# --- the subscriber's own links ----------------------------------------------------


def _subscriber_routes(router: APIRouter, web: Web, config: MailConfig) -> None:
    def email_of(subscriber_id: int) -> str | None:
        found = subscribers.get(web.engine, subscriber_id)
        return found.email if found else None

    def who(purpose: str, token: str):
        subscriber_id = check_token(config.secret, purpose, token, email_of)
        found = subscribers.get(web.engine, subscriber_id) if subscriber_id else None
        if found is None:
            raise HTTPException(404, "Ce lien n'est pas valide, ou l'abonnement n'existe plus.")
        return found

    @router.get("/newsletter/confirm/{token}")
    def confirm_page(request: Request, token: str):
        return web.render(request, "newsletter/confirm.html", {"subscriber": who("confirm", token)})

    @router.post("/newsletter/confirm/{token}")
    def confirm(request: Request, token: str):
        found = subscribers.confirm(web.engine, who("confirm", token).id, subscriptions.WEB_FORM)
        manage = links.personal(config, "manage", found.id, found.email)
        return web.render(request, "newsletter/confirmed.html", {"subscriber": found, "manage": manage})

    @router.get("/newsletter/unsubscribe/{token}")
    def unsubscribe_page(request: Request, token: str):
        return web.render(request, "newsletter/unsubscribe.html", {"subscriber": who("unsubscribe", token)})

    @router.post("/newsletter/unsubscribe/{token}")
    def unsubscribe(request: Request, token: str):
        # Also the RFC 8058 one-click POST from mail clients: no form token, no
        # Origin check; the signed link is the proof. Idempotent.
        found = subscribers.unsubscribe(web.engine, who("unsubscribe", token).id)
        return web.render(request, "newsletter/unsubscribed.html", {"subscriber": found})

    @router.get("/newsletter/me/{token}")
    def manage_page(request: Request, token: str):
        found = who("manage", token)
        return web.render(request, "newsletter/manage.html", {
            "subscriber": found, "themes": _theme_choices(), "token": token,
            "unsubscribe": links.personal(config, "unsubscribe", found.id, found.email),
            "sent": deliveries.of_subscriber(web.engine, found.id), "saved": request.query_params.get("fait") == "1"})

    @router.get("/newsletter/me/{token}/donnees.json")
    def my_data(token: str):
        found = who("manage", token)
        data = {"subscriber": found.to_json(), "deliveries": deliveries.of_subscriber(web.engine, found.id)}
        return Response(json.dumps(data, ensure_ascii=False, indent=2), media_type="application/json",
                        headers={"Content-Disposition": 'attachment; filename="mes-donnees-veille.json"'})

    @router.post("/newsletter/me/{token}/themes")
    async def my_themes(request: Request, token: str):
        csrf.check_origin(request)
        found = who("manage", token)
        form = await read_form(request)
        try:
            subscribers.set_themes(web.engine, found.id, form.getall("themes"))
        except SubscriberError as exc:
            raise HTTPException(422, _french(exc)) from None
        return RedirectResponse(links.MANAGE.format(token=token) + "?fait=1", 303)

    @router.post("/newsletter/me/{token}/erase")
    async def erase(request: Request, token: str):
        csrf.check_origin(request)
        subscribers.erase(web.engine, who("manage", token).id)
        return web.render(request, "newsletter/erased.html", {})


# --- the editors' draft editor -----------------------------------------------------


def _editor_routes(router: APIRouter, web: Web, config: MailConfig) -> None:
    editor = require(web, "editor")

    def editable_issue(issue_id: int):
        record = issue_store.get_issue(web.engine, issue_id)
        if record is None:
            raise HTTPException(404, "Cette lettre n'existe pas.")
        return record

    @router.get("/equipe/lettres")
    def issues(request: Request, staff=Depends(editor)):
        return web.render(request, "newsletter/editor_list.html", {"issues": issue_store.list_issues(web.engine)})

    @router.post("/equipe/lettres")
    async def propose(request: Request, staff=Depends(editor)):
        from veille import pipeline
        from veille.errors import UserError
        from veille.ops.leases import Busy

        form = await read_form(request)
        try:
            start = datetime.fromisoformat(form.get("from", "du", 10)).replace(tzinfo=timezone.utc)
            end = datetime.fromisoformat(form.get("to", "au", 10)).replace(tzinfo=timezone.utc) + timedelta(days=1)
        except ValueError:
            raise HTTPException(422, "Les dates doivent s'écrire AAAA-MM-JJ.") from None
        if start >= end:
            raise HTTPException(422, "La période commence après sa fin.")
        group_by = "theme" if form.get("by", "regroupement", 10) == "theme" else "kind"
        try:
            issue_id, _ = pipeline.build_newsletter(web.app, start, end, group_by=group_by)
        except Busy:
            raise HTTPException(409, "Une autre lettre est en cours de composition : réessayez dans un instant.") from None
        except UserError:  # the export file could not be written (the run record says why); the draft is saved
            raise HTTPException(500, "Le brouillon est enregistré, mais son export HTML n'a pas pu être écrit "
                                     "sur le disque du serveur (voir le journal des exécutions).") from None
        return RedirectResponse(f"/equipe/lettres/{issue_id}", 303)

    @router.get("/equipe/lettres/{issue_id:int}")
    def edit_page(request: Request, issue_id: int, staff=Depends(editor)):
        record = editable_issue(issue_id)
        return web.render(request, "newsletter/editor.html", {
            "issue": record, "sections": section_choices(), "progress": deliveries.progress(web.engine, issue_id),
            "notice": request.query_params.get("message", "")[:200]})

    @router.post("/equipe/lettres/{issue_id:int}")
    async def save(request: Request, issue_id: int, staff=Depends(editor)):
        form = await read_form(request)
        edits = _entry_edits(form, editable_issue(issue_id))
        try:
            issue_store.update_issue(web.engine, issue_id, title=form.get("title", "titre", 300).strip() or None,
                                     subject=form.get("subject", "objet", 300).strip(),
                                     intro=form.get("intro", "introduction", 20_000))
            issue_store.edit_entries(web.engine, issue_id, edits)
        except IssueError as exc:
            raise HTTPException(409, str(exc)) from None
        if request.headers.get("x-requested-with") == "fetch":  # the live preview's autosave
            return Response(status_code=204)
        return RedirectResponse(f"/equipe/lettres/{issue_id}?message=Enregistré", 303)

    @router.get("/equipe/lettres/{issue_id:int}/apercu.html")
    def preview_html(issue_id: int, staff=Depends(editor)):
        issue = issue_from_record(editable_issue(issue_id))
        return _issue_page(render_html(issue, links.web_links(config)), frame=True)

    @router.get("/equipe/lettres/{issue_id:int}/apercu.txt")
    def preview_text(issue_id: int, staff=Depends(editor)):
        text = render_text(issue_from_record(editable_issue(issue_id)), links.web_links(config))
        return PlainTextResponse(text, headers={"Content-Security-Policy": "default-src 'none'; frame-ancestors 'self'",
                                                "X-Frame-Options": "SAMEORIGIN"})

    @router.get("/equipe/lettres/{issue_id:int}/export.html")
    def export(issue_id: int, staff=Depends(editor)):
        html = render_export(issue_from_record(editable_issue(issue_id)))
        return Response(html, media_type="text/html; charset=utf-8", headers={
            "Content-Disposition": f'attachment; filename="lettre-{issue_id}.html"'})

    @router.post("/equipe/lettres/{issue_id:int}/test")
    def test_send(issue_id: int, staff=Depends(editor)):
        from newsletter.send import send_test

        issue = issue_from_record(editable_issue(issue_id))
        try:
            outcome = send_test(issue, config, staff.user.email)
        except SmtpUnavailable:
            raise HTTPException(503, "Le serveur d'envoi ne répond pas : réessayez plus tard.") from None
        message = f"Test envoyé à {staff.user.email}" if outcome.status == "sent" else f"Test refusé : {outcome.detail}"
        return RedirectResponse(f"/equipe/lettres/{issue_id}?message={message}", 303)

    @router.post("/equipe/lettres/{issue_id:int}/planifier")
    async def schedule(request: Request, issue_id: int, staff=Depends(editor)):
        form = await read_form(request)
        when = form.get("send_at", "date d'envoi", 40).strip()
        try:
            moment = datetime.fromisoformat(when) if when else None
        except ValueError:
            raise HTTPException(422, "Date d'envoi invalide (AAAA-MM-JJTHH:MM).") from None
        if moment is not None and moment.tzinfo is None:
            moment = moment.replace(tzinfo=timezone.utc)
        try:
            issue_store.schedule(web.engine, issue_id, moment)
        except IssueError as exc:
            raise HTTPException(409, str(exc)) from None
        return RedirectResponse(f"/equipe/lettres/{issue_id}?message=Envoi planifié" if moment else
                                f"/equipe/lettres/{issue_id}?message=Planification annulée", 303)

    @router.get("/newsletter/editeur.js")
    def editor_script():
        return Response(EDITOR_SCRIPT.read_text(encoding="utf-8"), media_type="text/javascript; charset=utf-8")


def _entry_edits(form, record) -> list[EntryEdit]:
    """The entries in the editor's order: kept ones sorted by their position field."""
    sections = {slug for slug, _ in section_choices()}
    kept = []
    for index, entry in enumerate(record.entries):
        key = str(entry.item_id)
        if form.get(f"remove_{key}", "retirer", 5):
            continue
        section = form.get(f"section_{key}", "rubrique", 50) or entry.section
        if section not in sections:
            raise HTTPException(422, f"Rubrique inconnue : {section}")
        position = form.get(f"position_{key}", "position", 6) or str(index + 1)
        try:
            rank = float(position)
        except ValueError:
            raise HTTPException(422, "La position doit être un nombre.") from None
        title = form.get(f"title_{key}", "titre", 1000).strip()
        kept.append((rank, index, EntryEdit(entry.item_id, section,
                                            None if title == entry.original_title else title or None,
                                            form.get(f"summary_{key}", "résumé", 5000).strip())))
    return [edit for _, _, edit in sorted(kept, key=lambda k: (k[0], k[1]))]
