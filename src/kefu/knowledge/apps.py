from django.apps import AppConfig
from django.db.models.signals import post_migrate


class KnowledgeConfig(AppConfig):
    name = "kefu.knowledge"
    label = "knowledge"
    verbose_name = "知识库 Knowledge"

    def ready(self) -> None:
        from kefu.core import search
        from kefu.knowledge import selectors
        from kefu.knowledge.search import (
            ARTICLES,
            ARTICLES_MIGRATION,
            ensure_article_index_after_migrate,
            reindex_articles,
        )

        search.INDEXES.register(
            search.Registered("articles", ARTICLES, reindex_articles, ARTICLES_MIGRATION), key=ARTICLES.table
        )
        search.SYNONYM_SOURCE.register(selectors.synonym_groups)
        post_migrate.connect(ensure_article_index_after_migrate, sender=self)
