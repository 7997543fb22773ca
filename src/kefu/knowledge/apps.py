from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "kefu.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        from kefu.core import search
        from kefu.knowledge import selectors
        from kefu.knowledge.search import ARTICLES, ARTICLES_MIGRATION, reindex_articles

        # kefu_reindex and core's post-migrate repair (a later migration of the table drops the
        # SQLite triggers) cover articles through this entry.
        search.INDEXES.register(
            search.Registered("articles", ARTICLES, reindex_articles, ARTICLES_MIGRATION), key=ARTICLES.table
        )
        search.SYNONYM_SOURCE.register(selectors.synonym_groups)
