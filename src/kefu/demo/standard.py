"""The demo's service standard (服务规范): phrase rules, scripts (话术) and the case library (案例库).

Phrase rules follow the seed service standard: forbidden phrases (禁用语) that pass the customer on or
blame them, discouraged fillers (口头语, and the openers 啊/嗯/那 an agent should not start with) and
你 where 您 is expected. Each rule's alternative is the standard wording (Chinese, as agents type it);
the note says why in both languages.

Scripts answer the demo's own work orders (late delivery, refunds, invoices, repairs, returns, points,
opening hours ...) and use the variables agents fill from the work order ({customer_name},
{ticket_no}, {promised_time}, {agent_no}). Their text is Chinese, as spoken to the store's customers;
their titles are bilingual ("中文 · English") because staff of either language pick them from a list.
The cases are trainer-written conversations in Chinese with bilingual titles and notes.

Everything goes through the knowledge services, as a manager and a QA inspector would enter it.
"""

from kefu.knowledge.cases import case_add_step, case_create
from kefu.knowledge.models import Case, CaseNode, RuleKind, Stage
from kefu.knowledge.phrases import phrase_rule_save
from kefu.knowledge.services import script_create

F, D = RuleKind.FORBIDDEN, RuleKind.DISCOURAGED
# (kind, phrase, standard alternative, note)
PHRASE_RULES = [
    (F, "我不知道", "请您稍等，我马上为您查询", "推诿 · Passing the customer off"),
    (
        F,
        "这不归我管",
        "我来帮您联系负责的同事，并跟进到底",
        "违反首问负责制 · Against first-contact ownership",
    ),
    (F, "不归我们管", "我来帮您联系负责的部门，并跟进到底", "推诿 · Passing the customer off"),
    (F, "我也没办法", "我们一起看看还有什么办法", "推诿 · Passing the customer off"),
    (F, "你找别人去", "我帮您转给负责的同事，并告诉您他的联系方式", "推诿 · Passing the customer off"),
    (F, "这是规定", "按照我们的服务规定，需要……，给您添麻烦了", "生硬 · Curt"),
    (F, "你听不懂吗", "可能我没说清楚，我再为您解释一遍", "指责顾客 · Blames the customer"),
    (F, "我已经说过了", "我再为您说明一下", "不耐烦 · Impatient"),
    (F, "不可能", "我马上为您核实一下", "否定顾客 · Contradicts the customer"),
    (F, "急什么", "理解您的心情，我们会尽快处理", "不耐烦 · Impatient"),
    (
        F,
        "下班了",
        "我们的服务时间是9:00–22:30，我先为您登记，明早第一时间处理",
        "推诿 · Passing the customer off",
    ),
    (D, "我晕", "", "口头语 · Filler"),
    (D, "天啊", "", "口头语 · Filler"),
    (D, "真是的", "", "口头语 · Filler"),
    (D, "怎么这样", "", "口头语 · Filler"),
    (D, "搞什么", "", "口头语 · Filler"),
    (D, "啊", "", "开口语：不以“啊”开头或结尾 · Opener or tag to avoid"),
    (D, "嗯", "好的", "开口语：用“好的”代替“嗯” · Opener: say 好的"),
    (D, "那，", "", "开口语 · Opener to avoid"),
    (D, "你", "您", "用“您”称呼顾客 · Address the customer as 您"),
]

# (stage, title, text): each answers work orders the demo contains.
SCRIPTS = [
    (Stage.GREETING, "来电问候 · Greeting a caller",
     "您好，百货商场客服中心，工号{agent_no}，很高兴为您服务，请问有什么可以帮您？"),
    (Stage.NEED, "核实身份 · Confirming who is calling",
     "{customer_name}您好，为了更好地为您服务，麻烦您提供一下下单时预留的手机号或订单号。"),
    (Stage.OBJECTION_DELAY, "物流延误致歉 · Late delivery apology",
     "{customer_name}您好，非常抱歉您的订单还没有送到。我已登记工单{ticket_no}并联系物流配送部核实，"
     "我们会在{promised_time}前给您准确的送达时间。"),
    (Stage.AFTER_SALE, "退款到账说明 · When a refund arrives",
     "{customer_name}您好，退款已原路退回，银行卡一般需要3–7个工作日到账。工单{ticket_no}已请财务部核实，"
     "{promised_time}前答复您。"),
    (Stage.PAYMENT, "开具发票 · Issuing an invoice",
     "{customer_name}您好，网上订单可以在“我的订单—申请发票”中开具；增值税专用发票请提供单位名称、"
     "税号、开户行及账号、地址电话，我们会在3个工作日内开出。"),
    (Stage.AFTER_SALE, "上门维修预约 · Booking a repair visit",
     "{customer_name}您好，已为您登记维修工单{ticket_no}，售后维修部的师傅会提前一小时电话联系您，"
     "请您保持电话畅通。"),
    (Stage.OBJECTION_DELAY, "维修迟到致歉 · Late repair visit apology",
     "{customer_name}您好，师傅没有按约定时间上门，也没有提前告知您，这是我们的问题，非常抱歉。"
     "我已将情况反馈给售后维修部负责人，{promised_time}前给您处理结果。"),
    (Stage.OBJECTION_RETURNS, "七天无理由退货 · 7-day no-reason return",
     "{customer_name}您好，商品签收7天内、不影响二次销售的，可以无理由退货。您可以在线申请，"
     "或带着商品和小票到一楼总服务台办理。"),
    (Stage.OBJECTION_RETURNS, "换货与尺码 · Exchanging for another size",
     "{customer_name}您好，吊牌完好的服装可以在15天内换货，我已为您登记工单{ticket_no}，门店会为您预留大一码。"),
    (Stage.AFTER_SALE, "质量问题处理 · A faulty product",
     "{customer_name}您好，给您带来不便非常抱歉。商品出现质量问题，我们可以为您换新或退货，"
     "商品质量部会在{promised_time}前联系您确认方案。"),
    (Stage.OBJECTION_PRICE, "价签不符退差价 · Price tag mismatch refund",
     "{customer_name}您好，标价与结账价格不一致是我们的疏忽，按规定我们会按标价为您退还差价，"
     "门店运营部核实后{promised_time}前联系您。"),
    (Stage.NEED, "会员积分 · Membership points",
     "{customer_name}您好，会员积分有效期为两年，可在会员中心兑换礼品或抵扣现金，100积分抵1元。"),
    (Stage.PRESENTING, "营业时间与停车 · Opening hours and parking",
     "{customer_name}您好，商场每天10:00–22:00营业，地下停车场购物满200元可免费停车3小时。"),
    (Stage.AFTER_SALE, "服务态度投诉致歉 · Apology for an employee's attitude",
     "{customer_name}您好，听到您的遭遇我们非常抱歉。工单{ticket_no}已交由该员工的主管处理，"
     "{promised_time}前给您答复，处理结果会第一时间告诉您。"),
    (Stage.FAREWELL, "结束语 · Closing the call",
     "请问还有其他可以帮您的吗？感谢您的来电，祝您生活愉快，再见！"),
    (Stage.FAREWELL, "回访开场 · Opening a callback",
     "{customer_name}您好，我是百货商场客服中心的回访专员，关于您反映的问题（工单{ticket_no}），"
     "想耽误您一分钟了解处理结果。"),
]  # fmt: skip

# (title, verdict, notes, request, [(kind, text, note, [children...])]) — a tree under the request.
R, Q, X = CaseNode.Kind.REPLY, CaseNode.Kind.FOLLOW_UP, CaseNode.Kind.RESOLUTION
CASES = [
    (
        "物流延误的首问负责 · Owning a late delivery",
        Case.Verdict.GOOD,
        "先致歉，再给出明确的答复时间，并主动联系物流部；不推诿。 · Apologise, promise a time, own it.",
        "我的快递三天没更新了，打快递电话也没人接，你们到底管不管？",
        [
            (R, "非常抱歉让您久等了。麻烦您提供一下订单号，我马上为您查询。", "先致歉再核实", [
                (Q, "订单号是2026112312345。能今天送到吗？", "", [
                    (R, "我已登记工单并联系物流配送部，今天18点前给您准确的送达时间。", "给出明确时间", [
                        (X, "物流部当天下午回复：包裹在中转站滞留，次日上午送达，客户表示认可。", "", []),
                    ]),
                    (R, "这不归我管，您还是找快递公司吧。", "反例：推诿，违反首问负责制", [
                        (X, "客户升级投诉至12315。", "反例的后果", []),
                    ]),
                ]),
            ]),
        ],
    ),
    (
        "退款未到账的解释 · Explaining a refund in transit",
        Case.Verdict.GOOD,
        "说明到账时间和原因，再请财务核实。 · Explain the timeline, then have finance check.",
        "系统显示已退款一周了，我银行卡还是没收到钱。",
        [
            (R, "理解您的着急。退款是原路退回，银行一般3–7个工作日到账，我请财务部帮您核实流水号。", "", [
                (X, "财务部提供银行流水号，客户次日确认到账。", "", []),
            ]),
        ],
    ),
    (
        "收银员态度投诉 · A complaint about a cashier",
        Case.Verdict.BAD,
        "客服用了口头语并反问顾客，使顾客更加不满。 · Fillers and a rhetorical question angered the customer.",
        "你们一楼的收银员态度太差了，问她问题直接说不知道还翻白眼！",
        [
            (R, "啊？不会吧，她平时挺好的啊。", "反例：口头语、否定顾客", [
                (Q, "你的意思是我在撒谎？", "", [
                    (R, "非常抱歉，是我表达不当。我已记录您反映的情况，交由门店负责人调查，明天18点前答复您。",
                     "纠正：致歉、记录、承诺时间", [
                        (X, "门店负责人核实后当面致歉，客户接受。", "", []),
                    ]),
                ]),
            ]),
        ],
    ),
]  # fmt: skip


def _steps(parent: CaseNode, steps: list, by) -> None:
    for kind, text, note, children in steps:
        node = case_add_step(parent=parent, kind=kind, text=text, note=note, by=by)
        _steps(node, children, by)


def service_standard_load(*, editor, trainer) -> dict:
    """Phrase rules and scripts entered by `editor` (a manager), cases by `trainer` (QA)."""
    for kind, phrase, alternative, note in PHRASE_RULES:
        phrase_rule_save(phrase=phrase, kind=kind, alternative=alternative, note=note, by=editor)
    for stage, title, text in SCRIPTS:
        script_create(title=title, text=text, stage=stage, by=editor)
    for title, verdict, notes, request, steps in CASES:
        case = case_create(title=title, request_text=request, verdict=verdict, notes=notes, by=trainer)
        _steps(case.nodes.get(parent=None), steps, trainer)
    return {"phrase_rules": len(PHRASE_RULES), "scripts": len(SCRIPTS), "cases": len(CASES)}
