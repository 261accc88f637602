from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from openhall.console.decorators import center_view
from openhall.core import permissions
from openhall.core.permissions import Perm
from openhall.news import services
from openhall.news.models import Article, Column


class ArticleForm(forms.Form):
    column = forms.ChoiceField(label=gettext_lazy("Column"), choices=Column.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=100)
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=200, required=False)
    body = forms.CharField(
        label=gettext_lazy("Body (HTML; unsafe parts are removed)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    pinned = forms.BooleanField(label=gettext_lazy("Pinned"), required=False)
    publish_at = forms.DateTimeField(
        label=gettext_lazy("Publish at (empty: when approved)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


def _article(request, article_id: int) -> Article:
    return permissions.object_or_404(
        request.user, Article.objects.filter(center=request.center), Perm.VIEW_CENTER, pk=article_id
    )


@center_view(Perm.VIEW_CENTER)
def articles(request):
    rows = Article.objects.filter(center=request.center).select_related("author")
    return render(
        request,
        "console/articles.html",
        {
            "articles": rows[:200],
            "nav": "articles",
            "can_review": Perm.REVIEW_CONTENT in request.center_perms
            or Perm.MANAGE_CENTER in request.center_perms,
        },
    )


@center_view(Perm.VIEW_CENTER)
@require_http_methods(["GET", "POST"])
def article_edit(request, article_id: int | None = None):
    article = _article(request, article_id) if article_id else None
    initial = {}
    if article:
        initial = {f: getattr(article, f) for f in ("column", "title", "summary", "body", "pinned", "publish_at")}  # fmt: skip
    form = ArticleForm(data=request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.article_save(
                by=request.user, center=request.center, article=article, **form.cleaned_data
            )
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Saved."))
            return redirect("console:article", request.center.pk, saved.pk)
    return render(
        request, "console/article_edit.html", {"form": form, "article": article, "nav": "articles"}
    )


@center_view(Perm.VIEW_CENTER)
@require_POST
def article_submit(request, article_id: int):
    try:
        services.article_submit(article=_article(request, article_id), by=request.user)
        messages.success(request, _("Sent for review."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("console:articles", request.center.pk)


@center_view(Perm.VIEW_CENTER)
@require_POST
def article_review(request, article_id: int):
    try:
        services.article_review(
            article=_article(request, article_id),
            by=request.user,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
        messages.success(request, _("Review recorded."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("console:articles", request.center.pk)
