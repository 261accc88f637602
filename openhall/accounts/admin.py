from django.contrib import admin

from openhall.accounts.models import ApiToken, Enterprise, Team, User


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["mobile", "real_name", "is_active", "is_superuser", "date_joined"]
    search_fields = ["mobile", "real_name"]
    exclude = ["password", "id_number", "id_number_index"]


admin.site.register(Team)
admin.site.register(Enterprise)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    exclude = ["token_hash"]
