from django.contrib import admin

from openhall.wechat.models import KeywordReply, WechatAccount


@admin.register(KeywordReply)
class KeywordReplyAdmin(admin.ModelAdmin):
    list_display = ["keyword", "exact", "is_active", "updated_at"]


@admin.register(WechatAccount)
class WechatAccountAdmin(admin.ModelAdmin):
    list_display = ["openid", "user", "subscribed", "subscribed_at", "bound_at"]
    readonly_fields = ["openid", "unionid", "user", "bound_at"]
