from django.urls import path

from .meetings import calendar_views, compliance_views, print_views, views

app_name = "meetings"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("plan/", views.meeting_plan, name="plan"),
    path("review/", views.review_queue, name="review_queue"),
    path("<int:pk>/list/", views.meeting_attendees, name="attendees"),
    path("<int:pk>/record/", views.meeting_record, name="record"),
    path("<int:pk>/submit/", views.meeting_submit, name="submit"),
    path("<int:pk>/review/", views.meeting_review, name="review"),
    path("files/<int:pk>/", views.meeting_file, name="file"),
    path("files/<int:pk>/delete/", views.meeting_file_delete, name="file_delete"),
    # paper: a meeting's record, a branch's year of meetings (台账)
    path("<int:pk>/print/", print_views.record_print, name="print_record"),
    path("ledger/<int:pk>/", print_views.ledger_print, name="ledger"),
    # the member's phone calendar (the feed itself: activities.calendar_urls)
    path("mine/<int:pk>/calendar.ics", calendar_views.meeting_ics, name="ics"),
    path("calendar/", calendar_views.feed_page, name="calendar"),
    path("calendar/reset/", calendar_views.feed_reset, name="calendar_reset"),
    # what is due and what was held; how often each kind is due
    path("frequencies/<int:pk>/", compliance_views.frequency_edit, name="frequencies"),
    path("compliance/", compliance_views.compliance_home, name="compliance_home"),
    path("compliance/branch/<int:pk>/", compliance_views.branch_compliance, name="compliance_branch"),
    path("compliance/<int:pk>/", compliance_views.committee_compliance, name="compliance"),
    path("compliance/<int:pk>/export/", compliance_views.committee_compliance_export, name="compliance_export"),
]
