from django.urls import path

from . import greeting_views

app_name = "greetings"
urlpatterns = [
    path("upcoming/", greeting_views.upcoming, name="upcoming"),
    path("line/<int:member_pk>/", greeting_views.line, name="line"),
    path("<int:pk>/card.jpg", greeting_views.card, name="card"),
    path("<int:pk>/card-thumb.jpg", greeting_views.card_thumbnail, name="card_thumb"),
]
