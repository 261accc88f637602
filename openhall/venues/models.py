"""The space tree of a center: rooms and the zones they split into.

The booking issue grows this app (opening hours, closures, rules); the foundation needs the
tree so a center can be described and shown.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from openhall.core.models import Center


class Space(models.Model):
    class Kind(models.TextChoices):
        ROOM = "room", _("Room")
        ZONE = "zone", _("Zone")
        AREA = "area", _("Open area")

    center = models.ForeignKey(
        Center, models.CASCADE, related_name="spaces", verbose_name=_("center")
    )
    parent = models.ForeignKey(
        "self",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("part of"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROOM)
    name = models.CharField(_("name"), max_length=100)
    capacity = models.PositiveIntegerField(_("capacity (people)"), default=0)
    area_m2 = models.PositiveIntegerField(_("area (m²)"), null=True, blank=True)
    location = models.CharField(_("floor / location"), max_length=100, blank=True)
    equipment = models.TextField(_("equipment"), blank=True)
    description = models.TextField(_("description"), blank=True)
    is_bookable = models.BooleanField(_("bookable"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["center", "sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "parent", "name"], name="space_name_unique_in_parent"
            ),
            models.UniqueConstraint(
                fields=["center", "name"],
                condition=models.Q(parent__isnull=True),
                name="space_room_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} · {self.name}" if self.parent_id else self.name
