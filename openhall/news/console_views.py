"""Console pages for the news columns: the list with what waits for review, the editor, and the
review actions. Rules are in news.services; these views only translate forms and errors."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openhall.core import permissions
from openhall.core.decorators import center_view
from openhall.core.html import show_pictures
from openhall.core.images import PhotoField
from openhall.core.permissions import Perm
from openhall.news import services
from openhall.news.models import Article, Attachment


class ArticleForm(forms.ModelForm):
    cover_upload = PhotoField(label=gettext_lazy("Cover picture"), required=False)

    class Meta:
        model = Article
        fields = services.EDITABLE
        widgets = {
            # static/openhall/editor.js turns it into the rich-text editor; without JS it stays a
            # textarea of HTML, cleaned the same way when saved.
            "body": forms.Textarea(attrs={"rows": 14, "data-rich-text": ""}),
            "publish_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "guide_materials": forms.Textarea(attrs={"rows": 3}),
            "guide_steps": forms.Textarea(attrs={"rows": 3}),
        }


def _article(request, article_id) -> Article:
    return permissions.object_or_404(
        request.user,
        Article.objects.filter(center=request.center).select_related("author", "reviewed_by"),
        Perm.VIEW_CENTER,
        pk=article_id,
    )


@center_view(Perm.VIEW_CENTER)
def article_list(request):
    articles = Article.objects.filter(center=request.center).select_related("author")
    status = request.GET.get("status", "")
    if status in Article.Status.values:
        articles = articles.filter(status=status)
    context = {
        "nav": "news",
        "articles": articles.order_by("-updated_at")[:100],
        "status": status,
        "statuses": Article.Status.choices,
        "waiting": Article.objects.filter(
            center=request.center, status=Article.Status.IN_REVIEW
        ).count(),
        "can_write": Perm.OPERATE in request.center_perms,
    }
    return render(request, "news/console_list.html", context)


@center_view(Perm.OPERATE)
def article_new(request):
    return _edit(request, None)


@center_view(Perm.VIEW_CENTER)
def article_edit(request, article_id):
    return _edit(request, _article(request, article_id))


def _edit(request, article):
    form = ArticleForm(request.POST or None, request.FILES or None, instance=article)
    if article is not None and not form.is_bound:
        # The editor shows the pictures: their stored paths as the storage's URLs (S3: signed).
        form.initial["body"] = show_pictures(article.body)
    form.fields["body"].widget.attrs.update(
        {
            "data-upload-url": reverse("console:article_picture", args=[request.center.pk]),
            "data-uploading": _("Uploading the picture…"),
        }
    )
    if request.method == "POST":
        if Perm.OPERATE not in request.center_perms:
            raise PermissionDenied
        if form.is_valid():
            values = {f: form.cleaned_data[f] for f in services.EDITABLE}
            try:
                article = services.article_save(
                    center=request.center,
                    by=request.user,
                    values=values,
                    article=article,
                    cover=form.cleaned_data.get("cover_upload"),
                )
            except ValidationError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect(
                    "console:article", center_id=request.center.pk, article_id=article.pk
                )
    context = {
        "nav": "news",
        "article": article,
        "form": form,
        "can_write": Perm.OPERATE in request.center_perms,
        "can_publish": services.can_publish(request.user, request.center),
    }
    return render(request, "news/console_edit.html", context)


ACTIONS = {
    "submit": (services.article_submit, gettext_lazy("Sent for review.")),
    "publish": (services.article_publish, gettext_lazy("Published.")),
    "withdraw": (services.article_withdraw, gettext_lazy("Withdrawn from the portal.")),
}


@require_POST
@center_view(Perm.VIEW_CENTER)
def article_action(request, article_id, action):
    article = _article(request, article_id)
    try:
        if action == "return":
            services.article_return(
                article=article, by=request.user, note=request.POST.get("note", "")
            )
            messages.success(request, _("Returned to the author."))
        elif action in ACTIONS:
            service, done = ACTIONS[action]
            service(article=article, by=request.user)
            messages.success(request, done)
        else:
            raise PermissionDenied
    except ValidationError as exc:
        messages.error(request, exc.message)
    return redirect("console:article", center_id=request.center.pk, article_id=article.pk)


@require_POST
@center_view(Perm.OPERATE)
def body_picture(request):
    """The editor's picture upload: JSON in and out, for editor.js."""
    upload = request.FILES.get("picture")
    if upload is None:
        return JsonResponse({"message": _("Choose a file first.")}, status=422)
    try:
        url = services.body_picture_save(center=request.center, by=request.user, upload=upload)
    except ValidationError as exc:
        return JsonResponse({"message": exc.messages[0]}, status=422)
    return JsonResponse({"url": url})


@require_POST
@center_view(Perm.OPERATE)
def attachment_add(request, article_id):
    article = _article(request, article_id)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file first."))
    else:
        try:
            services.attachment_add(article=article, by=request.user, upload=upload)
            messages.success(request, _("File added."))
        except ValidationError as exc:
            messages.error(request, exc.message)
    return redirect("console:article", center_id=request.center.pk, article_id=article.pk)


@require_POST
@center_view(Perm.OPERATE)
def attachment_delete(request, attachment_id):
    attachment = permissions.object_or_404(
        request.user,
        Attachment.objects.filter(article__center=request.center).select_related("article"),
        Perm.OPERATE,
        center_field="article__center",
        pk=attachment_id,
    )
    try:
        services.attachment_remove(attachment=attachment, by=request.user)
        messages.success(request, _("File removed."))
    except ValidationError as exc:
        messages.error(request, exc.message)
    return redirect(
        "console:article", center_id=request.center.pk, article_id=attachment.article_id
    )
