from django.urls import path

from . import views
from .social import views as social_views

app_name = "members"
urlpatterns = [
    path("", views.me, name="me"),
    path("wechat/unbind/", social_views.unbind_wechat, name="wechat_unbind"),
]
