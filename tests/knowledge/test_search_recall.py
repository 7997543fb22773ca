"""Search as people ask, measured: questions as customers and agents phrase them, each with the demo
article that answers it (kefu.demo.articles), and recall@5 — the share of questions whose article is
among the first five results of the knowledge search (kefu.knowledge.search.parse, the one
normaliser). Runs on SQLite and, in the PostgreSQL pass of the test command, on PostgreSQL; the figure
is in docs/knowledge.md."""

import pytest

from kefu.demo.articles import ARTICLES, seed_articles
from kefu.knowledge import selectors
from kefu.knowledge.models import Article
from kefu.knowledge.search import question_words, search_articles, synonym_groups

pytestmark = pytest.mark.django_db

RECALL_AT_5_TARGET = 0.9

# (question, key of the demo article that answers it)
QUESTIONS: list[tuple[str, str]] = [
    # the issue's own misses
    ("怎么开发票", "invoice_how"),
    ("开发票", "invoice_how"),
    ("退款没到账", "refund_time"),
    ("退货退款", "return_process"),
    ("七天退货", "seven_day_returns"),
    # returns and exchanges
    ("买的衣服不想要了能退吗", "seven_day_returns"),
    ("7天无理由退货有什么条件", "seven_day_returns"),
    ("吊牌剪了还能退货吗", "seven_day_returns"),
    ("我想退货怎么操作", "return_process"),
    ("在门店买的东西去哪里退", "return_process"),
    ("退货地址是多少", "return_process"),
    ("衣服尺码大了能换小一号吗", "exchange"),
    ("鞋子颜色不喜欢可以换吗", "exchange"),
    ("换货运费谁出", "exchange"),
    ("刚买的手机屏幕有坏点怎么办", "quality_return"),
    ("衣服穿了一次就开线了", "quality_return"),
    ("商品有质量问题可以退吗", "quality_return"),
    # refunds
    ("退款多久能到账", "refund_time"),
    ("退款退到信用卡要几天", "refund_time"),
    ("钱什么时候退回来", "refund_time"),
    ("退钱怎么还没收到", "refund_time"),
    ("为什么退款金额比我付的少", "refund_partial"),
    ("用了优惠券退货优惠券还给吗", "refund_partial"),
    ("付的现金怎么退", "refund_cash"),
    # invoices
    ("电子发票怎么开", "invoice_how"),
    ("网上买的东西能开发票吗", "invoice_how"),
    ("忘记开票了还能补开吗", "invoice_how"),
    ("公司报销要开专票", "invoice_vat"),
    ("增值税专用发票需要什么资料", "invoice_vat"),
    ("发票抬头写错了怎么办", "invoice_change"),
    ("发票能重新开吗", "invoice_change"),
    ("退货了发票要寄回吗", "invoice_return"),
    # delivery
    ("下单后多久发货", "delivery_time"),
    ("订单一直显示待发货", "delivery_time"),
    ("快递几天能到", "delivery_time"),
    ("物流三天没更新了", "delivery_tracking"),
    ("怎么查快递单号", "delivery_tracking"),
    ("满多少包邮", "delivery_fee"),
    ("运费怎么算", "delivery_fee"),
    ("收到的包裹破了", "delivery_damaged"),
    ("发错货了怎么处理", "delivery_damaged"),
    ("少发了一件", "delivery_damaged"),
    ("可以到店自提吗", "pickup"),
    ("收货地址填错了能改吗", "change_address"),
    # repairs, warranty, installation
    ("空调保修多久", "warranty"),
    ("冰箱压缩机保修几年", "warranty"),
    ("洗衣机不排水", "repair_request"),
    ("空调不制冷了找谁修", "repair_request"),
    ("家里电视坏了能上门维修吗", "repair_request"),
    ("过了保修期修理要钱吗", "repair_fee"),
    ("上门费多少钱", "repair_fee"),
    ("手机坏了去哪里修", "phone_repair"),
    ("电脑黑屏了能送修吗", "phone_repair"),
    ("空调什么时候上门安装", "installation"),
    ("安装要另外收费吗", "installation"),
    ("热水器谁来装", "installation"),
    # membership and points
    ("怎么办会员卡", "member_join"),
    ("金卡会员要消费多少", "member_join"),
    ("积分可以抵现吗", "points_earn"),
    ("积分怎么兑换礼品", "points_earn"),
    ("积分会过期吗", "points_earn"),
    ("买东西积分没加上", "points_missing"),
    ("结账时忘了报会员还能补积分吗", "points_missing"),
    ("会员生日有什么礼物", "member_birthday"),
    # gift cards
    ("礼品卡能在网上用吗", "giftcard_use"),
    ("购物卡余额怎么查", "giftcard_use"),
    ("礼品卡丢了能挂失吗", "giftcard_lost"),
    ("购物卡过期了还能用吗", "giftcard_lost"),
    ("单位想买一批购物卡发福利", "giftcard_buy"),
    # price protection, store
    ("刚买就降价了能补差价吗", "price_protection"),
    ("买贵了能退差价吗", "price_protection"),
    ("商场几点开门", "store_hours"),
    ("周末营业到几点", "store_hours"),
    ("停车怎么收费", "parking"),
    ("会员停车免费吗", "parking"),
    ("有充电桩吗", "parking"),
    ("手机落在商场了", "lost_property"),
    ("东西丢了去哪里找", "lost_property"),
    ("母婴室在几楼", "facilities"),
    ("可以借轮椅吗", "facilities"),
    # agents
    ("顾客投诉怎么受理", "complaint_handling"),
    ("客户不满意要升级吗", "complaint_handling"),
    ("双十二活动规则", "promo_briefing"),
    ("退款审核不通过怎么跟客户解释", "refund_refused"),
]


@pytest.fixture
def demo_articles(org):
    seed_articles(by=org.manager)
    return {spec.key: Article.objects.get(title=spec.title) for spec in ARTICLES}


def first_five(user, question: str) -> list[int]:
    return list(
        search_articles(selectors.articles_visible_to(user), question).values_list("pk", flat=True)[:5]
    )


def test_the_question_set_is_large_and_names_real_articles():
    keys = {spec.key for spec in ARTICLES}
    assert len(QUESTIONS) >= 60 and len(ARTICLES) >= 30
    assert {key for _q, key in QUESTIONS} <= keys


def test_recall_at_5_of_questions_as_people_ask_them(org, demo_articles):
    misses = [(q, key) for q, key in QUESTIONS if demo_articles[key].pk not in first_five(org.agent, q)]
    recall = 1 - len(misses) / len(QUESTIONS)
    print(f"recall@5 = {recall:.3f} ({len(QUESTIONS) - len(misses)}/{len(QUESTIONS)}); misses: {misses}")
    assert recall >= RECALL_AT_5_TARGET, misses


@pytest.mark.parametrize("question", ["怎么开发票", "开发票", "退款没到账", "退货退款", "七天退货"])
def test_the_questions_the_issue_found_nothing_for_now_find_their_article(org, demo_articles, question):
    expected = dict(QUESTIONS)[question]
    assert demo_articles[expected].pk in first_five(org.agent, question)


def test_question_words_and_particles_are_dropped():
    assert question_words("请问怎么开发票呢") == question_words("开发票")
    assert "怎么" not in question_words("退款怎么还没到账了吗") and "退款" in question_words(
        "退款怎么还没到账了吗"
    )


def test_a_synonym_of_the_standard_table_is_searched_too():
    words = question_words("退钱多久", synonym_groups())
    assert "退款" in words


def test_a_partial_match_is_ranked_not_required(org):
    """An article holding only some of the question's words is still found; one holding more ranks first."""
    from kefu.knowledge import services

    both = services.article_create(
        title="羽绒服清洗价格", body_markdown="羽绒服清洗每件五十元", by=org.manager
    )
    one = services.article_create(title="皮衣保养", body_markdown="皮衣保养和清洗每件八十元", by=org.manager)
    services.article_create(title="营业时间", body_markdown="每天十点开门", by=org.manager)
    assert first_five(org.agent, "羽绒服清洗多少钱") == [both.pk, one.pk]


def test_keywords_find_an_article_whose_text_does_not_hold_the_word(org):
    from kefu.knowledge import services

    article = services.article_create(
        title="营业安排", body_markdown="每天上午十点营业", keywords="几点关门 打烊", by=org.manager
    )
    assert first_five(org.agent, "你们几点打烊") == [article.pk]


def test_the_synonyms_page_lists_the_standard_groups_beside_the_managers(as_user, org):
    page = as_user(org.manager).get("/knowledge/synonyms/").content.decode()
    assert "退款 退钱 退费" in page and "发票 开票" in page


def test_a_long_question_keeps_its_own_words_before_synonyms():
    words = question_words("洗衣机坏了维修保修故障报修修理不能用 请问羽绒服清洗多少钱", synonym_groups())
    assert "羽绒服" in words and "维修" in words
