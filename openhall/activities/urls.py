from django.urls import path

from openhall.activities import views

app_name = "activities"
urlpatterns = [
    path("", views.activity_list, name="list"),
    path("<int:activity_id>/", views.activity_detail, name="detail"),
    path("mine/", views.my_activities, name="mine"),
    path("propose/", views.propose, name="propose"),
    path("proposals/<int:activity_id>/edit/", views.proposal_edit, name="proposal_edit"),
    path("registrations/<int:registration_id>/cancel/", views.cancel, name="cancel"),
    path("registrations/<int:registration_id>/accept/", views.accept, name="accept"),
]
