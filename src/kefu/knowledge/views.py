"""Knowledge pages: agents list, search, read and acknowledge; editors write, compare versions, roll
back and keep the synonym, script and phrase lists; the portal's FAQ; JSON endpoints for the reply
form and the chat console (fill a script, check phrases, suggestions). Thin: services decide."""

import csv
import difflib
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kefu.accounts.forms import report_domain_error
from kefu.core.errors import DomainError
from kefu.core.html import markdown_to_html
from kefu.core.params import int_or, query_int
from kefu.core.search import highlight
from kefu.knowledge import cases as case_services
from kefu.knowledge import permissions, phrases, selectors, services, suggest
from kefu.knowledge.forms import (
    ArticleForm,
    AttachmentForm,
    CaseForm,
    CaseStepForm,
    PhraseRuleForm,
    ScriptForm,
    SynonymForm,
)
from kefu.knowledge.models import (
    ArticleAttachment,
    ArticleVersion,
    Case,
    CaseNode,
    Category,
    PhraseRule,
    Script,
    Synonym,
)
from kefu.knowledge.search import STANDARD_SYNONYMS, parse, search_articles


def editor_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not permissions.can_edit(request.user):
            raise HttpForbidden(_("Only supervisors and managers may change the knowledge base."))
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _pk(value) -> int:
    """A primary key from a form or query value; anything else is a 404, never a 500."""
    pk = int_or(value)
    if pk is None:
        raise Http404
    return pk


def _json_error(exc: DomainError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.http_status)


def _results(queryset, query: str, page_number):
    """A page of articles for `query`, each with a highlighted snippet of its text."""
    parsed = parse(query) if query.strip() else None
    rows = (
        search_articles(queryset, query, parsed=parsed) if parsed else queryset.order_by("-updated_at", "-pk")
    )
    page = Paginator(rows, 20).get_page(page_number)
    for article in page.object_list:
        article.snippet = (
            highlight(article.body_text, parsed, width=120) if parsed else article.body_text[:120]
        )
        article.title_marked = highlight(article.title, parsed, width=200) if parsed else article.title
    return page


# --- agents ----------------------------------------------------------------------------------------


@login_required
def article_list(request):
    """The knowledge base: search, category filter, review flags and the briefings still to read."""
    query = request.GET.get("q", "")[:200]
    qs = selectors.articles_visible_to(request.user)
    category_id = query_int(request.GET, "category")
    category = Category.objects.filter(pk=category_id).first() if category_id else None
    if category is not None:  # an unknown or malformed category is ignored: the whole list
        qs = qs.filter(category__in=_subtree(category))
    return render(request, "knowledge/list.html", {
        "page": _results(qs, query, request.GET.get("page")), "query": query, "today": timezone.localdate(),
        "categories": Category.objects.select_related("parent"), "category": category,
        "unread": selectors.unread_briefings(request.user)[:10], "can_edit": permissions.can_edit(request.user),
    })  # fmt: skip


def _subtree(category: Category) -> list[int]:
    ids, frontier = [category.pk], [category.pk]
    while frontier:
        frontier = list(
            Category.objects.filter(parent__in=frontier).exclude(pk__in=ids).values_list("pk", flat=True)
        )
        ids += frontier
    return ids


@login_required
def article_detail(request, pk: int):
    article = get_object_or_404(selectors.articles_visible_to(request.user), pk=pk)
    can_edit = permissions.can_edit(request.user)
    return render(request, "knowledge/detail.html", {
        "article": article, "today": timezone.localdate(), "can_edit": can_edit,
        "acknowledged": article.must_read and article.acknowledgements.filter(user=request.user).exists(),
        "unread": selectors.unread_by(article) if (article.must_read and can_edit) else None,
        "attachments": article.attachments.all(), "attach_form": AttachmentForm() if can_edit else None,
    })  # fmt: skip


@require_POST
@login_required
def article_acknowledge(request, pk: int):
    article = get_object_or_404(selectors.articles_visible_to(request.user), pk=pk)
    try:
        services.article_acknowledge(article=article, by=request.user)
        messages.success(request, _("Thank you: your reading is recorded."))
    except DomainError as exc:
        report_domain_error(request, exc)
    return redirect("knowledge:detail", pk=article.pk)


@login_required
def attachment_download(request, pk: int):
    attachment = get_object_or_404(ArticleAttachment, pk=pk)
    if not selectors.articles_visible_to(request.user).filter(pk=attachment.article_id).exists():
        raise Http404
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


# --- editors ---------------------------------------------------------------------------------------


@editor_required
def article_edit(request, pk: int | None = None):
    article = get_object_or_404(selectors.articles_visible_to(request.user), pk=pk) if pk else None
    form = (ArticleForm.for_article(article, request.POST or None) if article
            else ArticleForm(request.POST or None))  # fmt: skip
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if article is None:
                article = services.article_create(
                    title=data["title"], body_markdown=data["body"], keywords=data["keywords"], by=request.user,
                    category=data["category"],
                    audience=data["audience"], review_on=data["review_on"], must_read=data["must_read"],
                )  # fmt: skip
            else:
                services.article_update(
                    article=article, by=request.user, title=data["title"], body_markdown=data["body"],
                    keywords=data["keywords"],
                    category=data["category"], audience=data["audience"], review_on=data["review_on"],
                    must_read=data["must_read"], note=data["note"], expected_version=data["expected_version"],
                )  # fmt: skip
            messages.success(request, _("Article saved."))
            return redirect("knowledge:detail", pk=article.pk)
        except DomainError as exc:
            report_domain_error(request, exc, form)
    return render(request, "knowledge/edit.html", {"form": form, "article": article})


@require_POST
@editor_required
def article_preview(request):
    """The article editor's live preview: the Markdown as readers will see it (sanitized HTML)."""
    text = str(_body(request).get("text", ""))[:200_000]
    return JsonResponse({"html": markdown_to_html(text)})


@require_POST
@editor_required
def attachment_add(request, pk: int):
    article = get_object_or_404(selectors.articles_visible_to(request.user), pk=pk)
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(article=article, upload=form.cleaned_data["file"], by=request.user)
        except DomainError as exc:
            report_domain_error(request, exc)
    else:
        messages.error(request, _("Choose a file."))
    return redirect("knowledge:detail", pk=article.pk)


def version_diff(old: ArticleVersion, new: ArticleVersion) -> list[tuple[str, str]]:
    """(kind, line) for each line of the two texts: "same", "del" (only in old) or "add" (only in new);
    the title is the first line."""
    a = [old.title, *old.body_text.splitlines()]
    b = [new.title, *new.body_text.splitlines()]
    lines: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            lines += [("same", line) for line in a[i1:i2]]
        else:
            lines += [("del", line) for line in a[i1:i2]]
            lines += [("add", line) for line in b[j1:j2]]
    return lines


@editor_required
def article_history(request, pk: int):
    article = get_object_or_404(selectors.articles_visible_to(request.user), pk=pk)
    versions = list(article.versions.select_related("edited_by"))
    diff = None
    a, b = query_int(request.GET, "a", 0), query_int(request.GET, "b", 0)
    if not (a and b) and len(versions) >= 2:
        a, b = versions[1].number, versions[0].number
    by_number = {v.number: v for v in versions}
    if a in by_number and b in by_number:
        diff = version_diff(by_number[a], by_number[b])
    return render(request, "knowledge/history.html", {"article": article, "versions": versions, "diff": diff,
                                                       "a": a, "b": b})  # fmt: skip


@require_POST
@editor_required
def article_rollback(request, pk: int, number: int):
    article = get_object_or_404(selectors.articles_visible_to(request.user), pk=pk)
    try:
        services.article_rollback(article=article, number=number, by=request.user)
        messages.success(request, _("Version %(n)s is back, as a new version.") % {"n": number})
    except DomainError as exc:
        report_domain_error(request, exc)
    return redirect("knowledge:history", pk=article.pk)


@editor_required
def synonyms(request):
    form = SynonymForm(request.POST or None)
    if request.method == "POST":
        if "delete" in request.POST:
            row = get_object_or_404(Synonym, pk=_pk(request.POST["delete"]))
            services.synonym_delete(synonym=row, by=request.user)
            return redirect("knowledge:synonyms")
        if form.is_valid():
            try:
                services.synonym_save(words=form.cleaned_data["words"], by=request.user)
                return redirect("knowledge:synonyms")
            except DomainError as exc:
                report_domain_error(request, exc, form)
    return render(request, "knowledge/synonyms.html", {
        "form": form, "rows": Synonym.objects.order_by("pk"), "standard": STANDARD_SYNONYMS,
    })  # fmt: skip


# --- phrase rules ------------------------------------------------------------------------------------


@login_required
def phrase_rules(request):
    """The lists every agent writes by; editors add and remove rules here."""
    can_edit = permissions.can_edit(request.user)
    form = PhraseRuleForm(request.POST or None)
    if request.method == "POST":
        if not can_edit:
            raise HttpForbidden(_("Only supervisors and managers may change the phrase lists."))
        if "delete" in request.POST:
            phrases.phrase_rule_delete(
                rule=get_object_or_404(PhraseRule, pk=_pk(request.POST["delete"])), by=request.user
            )
            return redirect("knowledge:phrases")
        if form.is_valid():
            try:
                phrases.phrase_rule_save(by=request.user, **form.cleaned_data)
                return redirect("knowledge:phrases")
            except DomainError as exc:
                report_domain_error(request, exc, form)
    return render(request, "knowledge/phrases.html", {
        "form": form, "can_edit": can_edit, "rows": PhraseRule.objects.order_by("kind", "phrase"),
    })  # fmt: skip


@login_required
def phrase_rules_export(request):
    """The active rules as CSV (UTF-8 with BOM, so Excel reads the Chinese) or JSON (?format=json)."""
    rows = phrases.rules_export()
    if request.GET.get("format") == "json":
        return JsonResponse({"rules": rows}, json_dumps_params={"ensure_ascii": False})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="phrase-rules.csv"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow(["id", "kind", "phrase", "normalized", "alternative", "note"])
    for row in rows:
        writer.writerow([row[k] for k in ("id", "kind", "phrase", "normalized", "alternative", "note")])
    return response


def _body(request) -> dict:
    if request.content_type == "application/json":
        try:
            data = json.loads(request.body or b"{}")
        except ValueError:
            data = {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


@require_POST
@login_required
def phrase_check(request):
    """The check run before a reply or chat message is sent: forbidden phrases with their alternative."""
    text = str(_body(request).get("text", ""))[:20_000]
    return JsonResponse(phrases.check_text(text))


# --- scripts -----------------------------------------------------------------------------------------


@login_required
def script_list(request):
    form = ScriptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.script_create(by=request.user, **form.cleaned_data)
            return redirect("knowledge:scripts")
        except DomainError as exc:
            report_domain_error(request, exc, form)
    scripts = selectors.scripts_for(request.user).select_related("owner", "group")
    return render(request, "knowledge/scripts.html", {
        "form": form, "scripts": scripts, "can_edit": permissions.can_edit(request.user),
    })  # fmt: skip


@require_POST
@login_required
def script_fill(request, pk: int):
    """The script's text filled for a work order (`ticket` = its number), counted as one use."""
    from kefu.tickets.models import Ticket

    script = get_object_or_404(Script, pk=pk)
    number = str(_body(request).get("ticket", "")).strip()
    ticket = get_object_or_404(Ticket, number=number) if number else None
    try:
        text = services.script_use(script=script, by=request.user, ticket=ticket)
    except DomainError as exc:
        return _json_error(exc)
    return JsonResponse({"id": script.pk, "title": script.title, "text": text})


@login_required
def suggestions(request):
    """Articles and scripts for a customer's words (`q`), for the reply form and the chat console."""
    text = request.GET.get("q", "")[:2000]
    found = suggest.suggest(text=text, user=request.user)
    return JsonResponse({
        "keywords": found.keywords,
        "articles": [{"id": a.pk, "title": a.title, "snippet": str(a.snippet), "text": a.body_text[:1000]}
                     for a in found.articles],
        "scripts": [{"id": s.pk, "title": s.title, "text": s.text} for s in found.scripts],
    })  # fmt: skip


# --- case library ----------------------------------------------------------------------------------


@login_required
def case_list(request):
    form = CaseForm(request.POST or None)
    can_edit = permissions.can_edit_cases(request.user)
    if request.method == "POST":
        if not can_edit:
            raise HttpForbidden(
                _("Only QA inspectors, supervisors and managers may change the case library.")
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                if data["transcript"].strip():
                    case = case_services.case_from_transcript(
                        title=data["title"], transcript=data["transcript"], by=request.user,
                        names=data["names"].split(), verdict=data["verdict"], notes=data["notes"],
                    )  # fmt: skip
                else:
                    case = case_services.case_create(
                        title=data["title"], request_text=data["request_text"], by=request.user,
                        verdict=data["verdict"], notes=data["notes"],
                    )  # fmt: skip
                return redirect("knowledge:case", pk=case.pk)
            except DomainError as exc:
                report_domain_error(request, exc, form)
    return render(request, "knowledge/cases.html", {
        "form": form, "can_edit": can_edit, "cases": Case.objects.select_related("created_by")[:200],
    })  # fmt: skip


@login_required
def case_detail(request, pk: int):
    """The whole tree, and a walk: the current step (`step`) with the choices that follow it."""
    case = get_object_or_404(Case, pk=pk)
    nodes = {n.pk: n for n in case.nodes.all()}
    root = next((n for n in nodes.values() if n.parent_id is None), None)
    step = nodes.get(query_int(request.GET, "step")) or root
    path, cur = [], step
    while cur is not None:
        path.append(cur)
        cur = nodes.get(cur.parent_id)
    path.reverse()
    children = sorted(
        (n for n in nodes.values() if step and n.parent_id == step.pk), key=lambda n: (n.position, n.pk)
    )
    can_edit = permissions.can_edit_cases(request.user)
    form = CaseStepForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        if not can_edit:
            raise HttpForbidden(
                _("Only QA inspectors, supervisors and managers may change the case library.")
            )
        if form.is_valid():
            try:
                node = case_services.case_add_step(parent=step, by=request.user, **form.cleaned_data)
                return redirect(f"{request.path}?step={node.pk}")
            except DomainError as exc:
                report_domain_error(request, exc, form)
    return render(request, "knowledge/case.html", {
        "case": case, "tree": case_services.case_tree(case), "step": step, "path": path, "children": children,
        "form": form if can_edit and step and step.kind != CaseNode.Kind.RESOLUTION else None,
    })  # fmt: skip


@login_required
def case_audio(request, pk: int):
    node = get_object_or_404(CaseNode, pk=pk)
    if not node.audio:
        raise Http404
    return FileResponse(node.audio.open("rb"))


# --- customer portal FAQ --------------------------------------------------------------------------------


def faq(request):
    """常见问题 on the portal: public articles only, whoever asks (staff signed in included)."""
    query = request.GET.get("q", "")[:200]
    return render(request, "knowledge/faq.html", {
        "page": _results(selectors.public_articles(), query, request.GET.get("page")), "query": query,
    })  # fmt: skip


def faq_detail(request, pk: int):
    article = get_object_or_404(selectors.public_articles(), pk=pk)
    return render(request, "knowledge/faq_detail.html", {"article": article})
