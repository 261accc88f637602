from django.contrib import admin

from openhall.venues.models import Space

admin.site.register(Space)
