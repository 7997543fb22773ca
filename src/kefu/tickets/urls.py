"""Work-order pages: workspace:home (/), tickets:..., board:home, inbox:..."""

from django.urls import include, path

from kefu.tickets import views

workspace_patterns = [
    path("", views.workspace, name="home"),
]

ticket_patterns = [
    path("new/", views.capture, name="capture"),
    path("new/categories/", views.categories, name="categories"),
    path("new/customer/", views.customer_lookup, name="customer_lookup"),
    path("new/duplicates/", views.duplicate_check, name="duplicate_check"),
    path("search/", views.search, name="search"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/edit/", views.edit, name="edit"),
    path("<str:number>/action/", views.transition, name="transition"),
    path("<str:number>/dispatch/", views.dispatch, name="dispatch"),
    path("<str:number>/merge/", views.merge, name="merge"),
    path("<str:number>/note/", views.note, name="note"),
    path("<str:number>/reply/", views.reply, name="reply"),
    path("<str:number>/escalate/", views.escalate, name="escalate"),
    path("<str:number>/attachments/", views.attach, name="attach"),
    path("<str:number>/attachments/<int:pk>/", views.attachment_download, name="attachment"),
]

board_patterns = [
    path("", views.board, name="home"),
]

inbox_patterns = [
    path("", views.inbox, name="home"),
    path("<int:pk>/reply/", views.inbox_answer, {"answer": "reply"}, name="reply"),
    path("<int:pk>/return/", views.inbox_answer, {"answer": "return"}, name="return"),
]

urlpatterns = [
    path("", include((workspace_patterns, "workspace"))),
    path("tickets/", include((ticket_patterns, "tickets"))),
    path("board/", include((board_patterns, "board"))),
    path("inbox/", include((inbox_patterns, "inbox"))),
]
