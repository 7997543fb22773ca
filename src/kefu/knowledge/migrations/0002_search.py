"""Full-text search for knowledge articles (see kefu.knowledge.search and kefu.core.search):
SQLite FTS5 table knowledge_article_fts with its triggers, or a GIN index on PostgreSQL."""

from django.db import migrations


def install(apps, schema_editor):
    from kefu.core import search
    from kefu.knowledge.search import ARTICLES, reindex_articles

    reindex_articles(apps.get_model("knowledge", "Article"), only_empty=True)
    search.install_search_index(schema_editor.connection, ARTICLES)


def uninstall(apps, schema_editor):
    from kefu.core import search
    from kefu.knowledge.search import ARTICLES

    search.uninstall_search_index(schema_editor.connection, ARTICLES)


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]
