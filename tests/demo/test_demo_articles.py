"""The demo's knowledge base: a newcomer's first start has articles, in both languages, that search
finds the way people ask."""

from io import StringIO

import pytest
from django.core.management import call_command

from kefu.accounts.models import User
from kefu.demo.articles import ARTICLES, seed_articles
from kefu.knowledge import selectors
from kefu.knowledge.models import Article
from kefu.knowledge.search import search_articles
from tests.org import build_org

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(db):
    return build_org()


def test_the_demo_load_writes_the_articles_searchable_as_people_ask():
    call_command("kefu_demo", "--tickets", "2", stdout=StringIO())
    assert Article.objects.count() == len(ARTICLES) >= 30
    agent = User.objects.get(username="agent")
    found = search_articles(selectors.articles_visible_to(agent), "怎么开发票")[:5]
    assert "怎么开发票 · How to get an invoice" in [a.title for a in found]
    assert selectors.public_articles().count() >= 30  # the portal FAQ is not empty either


def test_every_demo_article_has_keywords_and_english_beside_the_chinese(org):
    made = seed_articles(by=org.manager)
    assert len(made) == len(ARTICLES)
    for article in made:
        chinese, english = article.title.split(" · ")
        assert chinese and english.isascii() and article.keywords
        assert "English:" in article.body_text and article.body_markdown


def test_seeding_twice_adds_nothing(org):
    seed_articles(by=org.manager)
    assert seed_articles(by=org.manager) == []
