"""Knowledge pages under /knowledge/ (namespace `knowledge`) and the portal FAQ under /portal/faq/."""

from django.urls import path

from kefu.knowledge import views

app_name = "knowledge"

urlpatterns = [
    path("knowledge/", views.article_list, name="list"),
    path("knowledge/new/", views.article_edit, name="new"),
    path("knowledge/preview/", views.article_preview, name="preview"),
    path("knowledge/<int:pk>/", views.article_detail, name="detail"),
    path("knowledge/<int:pk>/edit/", views.article_edit, name="edit"),
    path("knowledge/<int:pk>/ack/", views.article_acknowledge, name="acknowledge"),
    path("knowledge/<int:pk>/attach/", views.attachment_add, name="attach"),
    path("knowledge/<int:pk>/history/", views.article_history, name="history"),
    path("knowledge/<int:pk>/rollback/<int:number>/", views.article_rollback, name="rollback"),
    path("knowledge/files/<int:pk>/", views.attachment_download, name="attachment"),
    path("knowledge/synonyms/", views.synonyms, name="synonyms"),
    path("knowledge/phrases/", views.phrase_rules, name="phrases"),
    path("knowledge/phrases/export/", views.phrase_rules_export, name="phrases_export"),
    path("knowledge/phrases/check/", views.phrase_check, name="phrase_check"),
    path("knowledge/scripts/", views.script_list, name="scripts"),
    path("knowledge/scripts/<int:pk>/fill/", views.script_fill, name="script_fill"),
    path("knowledge/suggest/", views.suggestions, name="suggest"),
    path("knowledge/cases/", views.case_list, name="cases"),
    path("knowledge/cases/<int:pk>/", views.case_detail, name="case"),
    path("knowledge/cases/audio/<int:pk>/", views.case_audio, name="case_audio"),
    path("portal/faq/", views.faq, name="faq"),
    path("portal/faq/<int:pk>/", views.faq_detail, name="faq_detail"),
]
