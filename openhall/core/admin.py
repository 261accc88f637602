from django.contrib import admin

from openhall.core.models import AuditEntry, Center, District, StaffMembership, Street

admin.site.site_header = "OpenHall"


def _superusers_only(request) -> bool:
    # Staff work in the console, where every action is checked per center and audited; the
    # Django admin bypasses both, so only superusers may use it.
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only  # type: ignore[method-assign]
admin.site.register(District)
admin.site.register(Street)
admin.site.register(Center)
admin.site.register(StaffMembership)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_label", "center", "action", "object_repr", "ip"]
    list_filter = ["action"]

    # The log is append-only, here as everywhere.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
