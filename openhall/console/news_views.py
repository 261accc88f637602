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


class BroadcastForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title (at most 20 characters)"), max_length=20)
    body = forms.CharField(
        label=gettext_lazy("Text"), max_length=500, widget=forms.Textarea(attrs={"rows": 5})
    )
    url = forms.CharField(label=gettext_lazy("Link (optional)"), max_length=200, required=False)
    audience = forms.ChoiceField(label=gettext_lazy("Send to"), choices=[])
    team = forms.ModelChoiceField(label=gettext_lazy("Team"), queryset=None, required=False)

    def __init__(self, *args, center, **kwargs):
        from openhall.accounts.models import Team
        from openhall.notifications.models import Broadcast

        super().__init__(*args, **kwargs)
        self.fields["audience"].choices = Broadcast.Audience.choices
        self.fields["team"].queryset = Team.objects.filter(center=center, is_active=True)


@center_view(Perm.OPERATE)
@require_http_methods(["GET", "POST"])
def broadcasts(request):
    from openhall.notifications import services as notify_services
    from openhall.notifications.models import Broadcast

    form = BroadcastForm(data=request.POST or None, center=request.center)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("confirm") == "1":
            try:
                sent = notify_services.broadcast_send(
                    center=request.center, by=request.user, **data
                )
            except ValidationError as exc:
                form.add_error(None, " ".join(exc.messages))
            else:
                messages.success(request, _("Sent to %(n)s people.") % {"n": sent.recipients})
                return redirect("console:broadcasts", request.center.pk)
        else:
            preview = {
                **data,
                "recipients": len(
                    notify_services.broadcast_recipients(
                        center=request.center, audience=data["audience"], team=data["team"]
                    )
                ),
            }
    sent = list(Broadcast.objects.filter(center=request.center).select_related("team")[:50])
    for broadcast in sent:
        broadcast.delivery_counts = notify_services.broadcast_delivery_counts(broadcast=broadcast)
    return render(
        request,
        "console/broadcasts.html",
        {"form": form, "preview": preview, "sent": sent, "nav": "broadcasts"},
    )
