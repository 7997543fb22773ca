"""The demo's quality inspection (质检): three rubrics, their rules, a month of inspected conversations,
a review queue and an appeal, so a newcomer sees scores, findings and work waiting at once.

Rubrics (names "中文 · English", as staff pick them from lists):
* 热线 · Hotline (phone, every queue but callbacks): items and rules from the seeds' service standard
  — 您好 in the agent's first two sentences, 再见 in the last two, 请/谢谢/对不起 used, 您 not 你,
  no 口头语 and no 禁用语 (the knowledge base's phrase lists, kefu.demo.standard), no 开口语 (啊/嗯/那
  at a sentence start), no rhetorical or interrogating tone, no interruption, speaking speed 150–280
  characters a minute, no silence over 10 s except after 请稍等, no mechanical repetition; the
  customer's negative emotion; and one fatal item (abusing the customer) that sets the score to
  the floor;
* 在线 · Chat: greeting, first reply within 30 s and every reply within 2 min, farewell, phrases,
  tone; its severe items (and the customer's emotion) raise live alerts (kefu.quality.live_alerts);
* 投诉回访 · Complaint callback (phone, queue 回访): purpose stated, satisfaction asked, farewell.

Conversations: hand-written dialogues (Chinese, three in English), good and bad, given to the demo
agents over the last four weeks; phone ones carry timings (a silence, an interruption and a fast
speaker among them; no recording), chats their typing times. Each is inspected by the engine
against its rubric's published version, the findings and score stored as automatic inspection
stores them. The worst are waiting for review in the QA inspector's queue (周婷 has every phone and
chat queue in her scope); a few are reviewed; one reviewed conversation has the agent's appeal
pending.
"""

import random
from datetime import datetime, timedelta

from django.utils import timezone

from kefu.quality.models import Inspection, InspectorScope, RubricVersion, Severity, Transcript
from kefu.quality.services import rubrics, rules
from kefu.quality.services.inspection import inspect_transcript

A, C = "agent", "customer"
S, N, SEV, F = Severity.MINOR, Severity.NORMAL, Severity.SEVERE, Severity.FATAL
SUB, ADD = "subtract", "add"
HOLD = ["请稍等", "稍等", "请您稍等"]


def _first(n, words):
    return {
        "type": "keywords",
        "role": "agent",
        "range": {"kind": "first", "n": n},
        "words": words,
        "mode": "any",
    }


def _last(n, words):
    return {
        "type": "keywords",
        "role": "agent",
        "range": {"kind": "last", "n": n},
        "words": words,
        "mode": "any",
    }


GREETING = {"not": _first(2, ["您好", "hello", "good morning", "good afternoon"])}
FAREWELL = {"not": _last(2, ["再见", "goodbye", "bye"])}
POLITE_WORDS = {
    "type": "keywords", "role": "agent", "words": ["请", "谢谢", "对不起", "please", "thank", "sorry"], "mode": "none",
}  # fmt: skip
POLITE_YOU = {"type": "polite_you", "role": "agent", "except": ["你们"]}
FILLERS = {"type": "phrases", "role": "agent", "kind": "discouraged"}
FORBIDDEN = {"type": "phrases", "role": "agent", "kind": "forbidden"}
OPENERS = {"type": "regex", "role": "agent", "pattern": "^[啊嗯那][，,。！!…\\s]?"}
RHETORICAL = {"type": "regex", "role": "agent", "pattern": "你听不懂吗|我不是说了吗|怎么又|你没听清楚吗"}
INTERRUPTION = {"type": "interruption", "role": "agent", "min_customer_ms": 1000, "overlap_ms": 300}
SPEED = {"type": "speed", "role": "agent", "min": 150, "max": 280}
SILENCE = {"type": "silence", "role": "any", "seconds": 10, "except": HOLD}
EMOTION = {"type": "emotion", "role": "customer"}
REPETITION = {"type": "repetition", "role": "agent", "times": 3, "threshold": 0.9}
EMPATHY = {
    "type": "keywords",
    "role": "agent",
    "words": ["抱歉", "理解您的心情", "给您添麻烦了"],
    "mode": "any",
}
ABUSE = {"type": "keywords", "role": "agent", "words": ["有病吧", "神经病", "滚", "找死"], "mode": "any"}

# (group, code, name, points, direction, severity, per occurrence, [(rule name, condition)])
HOTLINE_ITEMS = [
    ("opening", "greeting", "开场问候：前两句说“您好” · Greets with 您好", 10, SUB, N, False,
     [("开场未说“您好”", GREETING)]),
    ("wording", "polite_words", "使用礼貌用语（请、谢谢、对不起） · Uses polite words", 5, SUB, S, False,
     [("通话中没有礼貌用语", POLITE_WORDS)]),
    ("wording", "polite_you", "称呼顾客用“您”不用“你” · Says 您, not 你", 2, SUB, S, True,
     [("用“你”称呼顾客", POLITE_YOU)]),
    ("wording", "fillers", "不说口头语（我晕、天啊、怎么这样、真是的） · No fillers", 3, SUB, N, True,
     [("知识库口头语", FILLERS)]),
    ("wording", "openers", "不以“啊、嗯、那”开口 · No 啊/嗯/那 openers", 2, SUB, S, True,
     [("开口语", OPENERS)]),
    ("wording", "forbidden", "不说禁用语 · No forbidden phrases", 15, SUB, SEV, False,
     [("知识库禁用语", FORBIDDEN)]),
    ("attitude", "tone", "无反问、质问语气 · No rhetorical or interrogating tone", 15, SUB, SEV, False,
     [("反问质问", RHETORICAL)]),
    ("attitude", "interruption", "不打断顾客 · Never interrupts", 5, SUB, N, False,
     [("抢话打断", INTERRUPTION)]),
    ("attitude", "speed", "语速适中（每分钟150–280字） · Speaking speed 150–280/min", 3, SUB, S, False,
     [("语速过快或过慢", SPEED)]),
    ("attitude", "abuse", "辱骂、讽刺顾客 · Abuses the customer", 100, SUB, F, False,
     [("辱骂顾客", ABUSE)]),
    ("attitude", "empathy", "主动致歉与安抚 · Apologises and reassures", 5, ADD, S, False,
     [("致歉安抚", EMPATHY)]),
    ("skill", "repetition", "不机械重复同一句话 · No mechanical repetition", 5, SUB, N, False,
     [("同一句话说三遍", REPETITION)]),
    ("skill", "customer_emotion", "顾客负面情绪 · Customer upset", 5, SUB, N, False,
     [("顾客负面情绪", EMOTION)]),
    ("process", "silence", "静音不超过10秒（“请稍等”后除外） · No silence over 10 s", 5, SUB, N, True,
     [("静音超过10秒", SILENCE)]),
    ("closing", "farewell", "结束语：最后两句说“再见” · Says 再见 at the end", 5, SUB, N, False,
     [("结束未说“再见”", FAREWELL)]),
]  # fmt: skip

CHAT_ITEMS = [
    ("opening", "greeting", "问候语：前两句说“您好” · Greets with 您好", 10, SUB, N, False,
     [("开场未说“您好”", GREETING)]),
    ("process", "first_reply", "30秒内首次回复 · First reply within 30 s", 10, SUB, N, False,
     [("首次回复超过30秒", {"type": "slow_reply", "seconds": 30, "scope": "first"})]),
    ("process", "every_reply", "每条消息2分钟内回复 · Every reply within 2 min", 5, SUB, S, True,
     [("回复超过2分钟", {"type": "slow_reply", "seconds": 120, "scope": "every"})]),
    ("wording", "polite_you", "称呼顾客用“您” · Says 您, not 你", 2, SUB, S, True,
     [("用“你”称呼顾客", POLITE_YOU)]),
    ("wording", "forbidden", "不说禁用语 · No forbidden phrases", 15, SUB, SEV, False,
     [("知识库禁用语", FORBIDDEN)]),
    ("attitude", "tone", "无反问、质问语气 · No rhetorical tone", 15, SUB, SEV, False,
     [("反问质问", RHETORICAL)]),
    ("skill", "customer_emotion", "顾客负面情绪 · Customer upset", 5, SUB, N, False,
     [("顾客负面情绪", EMOTION)]),
    ("closing", "farewell", "结束语（祝福或再见） · Closes politely", 5, SUB, N, False,
     [("结束未致谢或道别", {"not": _last(2, ["再见", "祝您", "感谢您的咨询", "goodbye", "have a nice day"])})]),
]  # fmt: skip

CALLBACK_ITEMS = [
    ("opening", "greeting", "问候并报工号 · Greets and gives the staff number", 10, SUB, N, False,
     [("开场未说“您好”", GREETING)]),
    ("process", "purpose", "说明回访来意 · States why they call", 10, SUB, N, False,
     [("未说明回访", {"not": {"type": "keywords", "role": "agent", "words": ["回访"], "mode": "any"}})]),
    ("process", "satisfaction", "询问处理是否满意 · Asks whether the customer is satisfied", 15, SUB, N, False,
     [("未询问满意度", {"not": {"type": "keywords", "role": "agent", "words": ["满意"], "mode": "any"}})]),
    ("wording", "polite_you", "称呼顾客用“您” · Says 您, not 你", 2, SUB, S, True,
     [("用“你”称呼顾客", POLITE_YOU)]),
    ("skill", "customer_emotion", "顾客仍不满意 · Customer still upset", 10, SUB, SEV, False,
     [("顾客负面情绪", EMOTION)]),
    ("closing", "farewell", "结束语：说“再见” · Says 再见", 5, SUB, N, False,
     [("结束未说“再见”", FAREWELL)]),
]  # fmt: skip

# (name, channels, queues, start, floor, ceiling, items)
RUBRICS = [
    ("热线质检评分表 · Hotline", ["phone"], [], 95, 0, 100, HOTLINE_ITEMS),
    ("在线客服质检评分表 · Chat", ["chat"], [], 100, 0, 100, CHAT_ITEMS),
    ("投诉回访质检评分表 · Complaint callback", ["phone"], ["回访"], 100, 0, 100, CALLBACK_ITEMS),
]

# --- the conversations --------------------------------------------------------------------------
# Each: (lines, options). Options for phone: "silence": {index: gap ms before that sentence},
# "interrupt": {index of an agent sentence that starts while the customer still talks},
# "fast": agent characters a minute. Chats: "waits": {index: seconds before that line}.

PHONE = [
    ([  # good: a late fridge, a hold before the answer
        (A, "您好，百货商场客服中心，工号1024，很高兴为您服务。"),
        (C, "你好，我上周买的冰箱到现在还没送到。"),
        (A, "非常抱歉给您添麻烦了，请您提供一下订单号。"),
        (C, "订单号是2026111800123。"),
        (A, "请稍等，我马上为您查询。"),
        (A, "让您久等了，您的冰箱已经从仓库发出，预计明天上午送达。"),
        (C, "好的，明天上午家里有人。"),
        (A, "我已为您登记工单，物流配送部会在送货前一小时和您联系。"),
        (C, "行，谢谢。"),
        (A, "不客气，请问还有其他可以帮您的吗？"),
        (C, "没有了。"),
        (A, "感谢您的来电，祝您生活愉快，再见。"),
    ], {"silence": {5: 15000}}),
    ([  # good: a refund
        (A, "您好，客服中心，请问有什么可以帮您？"),
        (C, "我退货的钱一直没到账，都一个礼拜了。"),
        (A, "理解您的心情，请您告诉我退货单号，我帮您查一下。"),
        (C, "退货单号是TH20261120056。"),
        (A, "已经查到了，退款已经原路退回到您的银行卡，银行一般需要三到七个工作日到账。"),
        (C, "那我再等几天。"),
        (A, "好的，如果周五还没到账，请您再联系我们，我们会请财务部核实。"),
        (C, "好，谢谢。"),
        (A, "不客气，感谢您的耐心，再见。"),
    ], {}),
    ([  # good: a repair
        (A, "您好，百货商场客服中心，工号2048，很高兴为您服务。"),
        (C, "我家洗衣机不脱水了，还在保修期内。"),
        (A, "对不起给您带来不便，请问购买日期和型号是多少？"),
        (C, "去年十月买的，型号XQG100。"),
        (A, "好的，整机保修一年，您的洗衣机还在保修期内，我为您安排维修师傅上门。"),
        (C, "师傅什么时候能来？"),
        (A, "售后维修部会在二十四小时内联系您预约上门时间，请保持电话畅通。"),
        (C, "好的。"),
        (A, "感谢您的来电，再见。"),
    ], {}),
    ([  # good: an invoice
        (A, "您好，客服中心，很高兴为您服务。"),
        (C, "我想给公司开一张专用发票。"),
        (A, "好的，请提供单位名称、税号、开户行及账号、地址和电话。"),
        (C, "这些资料发到哪里？"),
        (A, "您可以发到我们的客服邮箱，我们会在三个工作日内开出。"),
        (C, "好，谢谢。"),
        (A, "不客气，祝您工作顺利，再见。"),
    ], {}),
    ([  # good: opening hours and parking
        (A, "您好，百货商场客服中心，请问有什么可以帮您？"),
        (C, "你们周六几点关门？停车要收费吗？"),
        (A, "商场每天十点到二十二点营业，购物满二百元可以免费停车三小时。"),
        (C, "超出的怎么算？"),
        (A, "超出部分每小时五元，请在出口扫码缴费。"),
        (C, "明白了，谢谢。"),
        (A, "感谢您的来电，祝您购物愉快，再见。"),
    ], {}),
    ([  # bad: no greeting, 你, fillers, openers, rhetorical tone, no farewell, an upset customer
        (A, "喂，哪位？"),
        (C, "我的沙发送来就是坏的，我要投诉！"),
        (A, "啊，你先别急，你订单号多少？"),
        (C, "我刚才已经说了两遍了。"),
        (A, "天啊，你听不懂吗，我问的是订单号。"),
        (C, "你们这服务太差了，我要给差评。"),
        (A, "我不是说了吗，要订单号才能查。"),
        (C, "订单号2026111500321。"),
        (A, "真是的，早说不就好了，等着吧。"),
    ], {}),
    ([  # bad: interrupts, a silence without a hold, speaks too fast
        (A, "您好，客服中心，工号3072，很高兴为您服务。"),
        (C, "我在你们网上商城买的电视机屏幕上有一条亮线，想问一下应该怎么处理比较好。"),
        (A, "这个要先拍照片。"),
        (C, "照片我已经拍好了，发到哪里？"),
        (A, "发到售后邮箱就行，我们收到以后安排处理。"),
        (C, "喂？还在吗？"),
        (A, "在的，售后维修部会在两个工作日内联系您，请保持电话畅通，谢谢。"),
        (C, "好吧。"),
        (A, "感谢您的来电，再见。"),
    ], {"interrupt": {2}, "silence": {5: 16000}, "fast": 360}),
    ([  # bad: forbidden phrases, the same sentence three times, an upset customer
        (A, "您好，客服中心。"),
        (C, "我买的羽绒服跑绒，想退货。"),
        (A, "这不归我管，您去找门店。"),
        (C, "门店让我找客服。"),
        (A, "这是规定，退货要去门店办理。"),
        (C, "可是门店不给退。"),
        (A, "这是规定，退货要去门店办理。"),
        (C, "怎么这样推来推去的，我要投诉到12315。"),
        (A, "这是规定，退货要去门店办理。"),
        (C, "算了。"),
        (A, "再见。"),
    ], {}),
    ([  # fatal: abuses the customer
        (A, "您好，客服中心。"),
        (C, "你们送的货又错了，这是第三次了！"),
        (A, "怎么又是你，你有病吧，天天打电话。"),
        (C, "你怎么说话的？我要投诉你！"),
        (A, "随便你投诉。"),
        (C, "我要找你们经理。"),
        (A, "再见。"),
    ], {}),
    ([  # mild: 你 once and no farewell
        (A, "您好，百货商场客服中心，很高兴为您服务。"),
        (C, "我想问一下会员积分怎么兑换。"),
        (A, "您可以在会员中心兑换生活用品或者停车券，一百积分抵一元。"),
        (C, "积分什么时候过期？"),
        (A, "积分有效期两年，你可以在会员中心查看到期时间。"),
        (C, "好的，知道了。"),
        (A, "好的，请问还有别的问题吗？"),
    ], {}),
    ([  # mild: openers 嗯 and 那
        (A, "您好，客服中心，请问有什么可以帮您？"),
        (C, "我想问一下礼品卡能不能在网上用。"),
        (A, "嗯，这个我查一下。"),
        (A, "那，礼品卡绑定会员账户以后就可以在网上商城用了。"),
        (C, "余额在哪里看？"),
        (A, "嗯，在我的礼品卡里面可以看到余额。"),
        (C, "好的，谢谢。"),
        (A, "不客气，再见。"),
    ], {}),
    ([  # good, in English
        (A, "Hello, thank you for calling the service center, this is Lily speaking."),
        (C, "Hi, I'd like to know if my order has shipped."),
        (A, "Sure, could you please tell me your order number?"),
        (C, "It's 2026112000456."),
        (A, "Thank you. Your order left our warehouse this morning and should arrive tomorrow."),
        (C, "Great, thanks."),
        (A, "You're welcome. Have a nice day, goodbye."),
    ], {}),
    ([  # bad, in English
        (A, "Yeah, what is it?"),
        (C, "My washing machine is broken and I want to make a complaint."),
        (A, "Not my department, call the repair shop."),
        (C, "This is terrible service."),
        (A, "Whatever."),
    ], {}),
]  # fmt: skip

CHATS = [
    ([
        (C, "在吗？我想查一下订单。"),
        (A, "您好，我是在线客服，很高兴为您服务，请提供一下订单号。"),
        (C, "2026112298765"),
        (A, "请稍等，我马上为您查询。"),
        (A, "您的订单今天下午从仓库发出，明天可以送达。"),
        (C, "好的谢谢"),
        (A, "不客气，感谢您的咨询，祝您生活愉快！"),
    ], {"waits": {1: 12, 4: 40}}),
    ([
        (C, "网上买的东西能开专票吗？"),
        (A, "您好，可以开具增值税专用发票，请提供单位名称和税号。"),
        (C, "好的，我整理一下发过来。"),
        (A, "好的，收到后三个工作日内开出，感谢您的咨询。"),
    ], {"waits": {1: 20}}),
    ([
        (C, "积分快过期了怎么办"),
        (A, "您好，积分到期前可以兑换礼品或者抵扣现金。"),
        (C, "可以兑换什么"),
        (A, "可以在会员中心兑换生活用品、停车券，一百积分抵一元，祝您购物愉快！"),
    ], {"waits": {1: 8}}),
    ([
        (C, "礼品卡可以在网上商城用吗？"),
        (A, "您好，实体礼品卡绑定会员账户后就可以在网上商城使用。"),
        (C, "谢谢"),
        (A, "不客气，祝您购物愉快，再见！"),
    ], {"waits": {1: 15}}),
    ([
        (C, "Hi, do you deliver on Sundays?"),
        (A, "Hello, yes, we deliver every day from 9 am to 9 pm."),
        (C, "Great, thank you."),
        (A, "You're welcome, have a nice day!"),
    ], {"waits": {1: 10}}),
    ([  # bad: a first reply after a minute and a half, 你, an unhappy customer
        (C, "我的退款怎么还没到？"),
        (A, "你的退款正在处理。"),
        (C, "都十天了，我很不满意。"),
        (A, "你再等等吧。"),
    ], {"waits": {1: 95, 3: 60}}),
    ([  # bad: no greeting, forbidden phrases, a bad review announced
        (C, "你好，我买的电饭煲坏了找谁修？"),
        (A, "我不知道，你找别人去。"),
        (C, "这什么服务，我要给差评。"),
        (A, "随便。"),
    ], {"waits": {1: 25, 3: 30}}),
    ([  # bad: rhetorical tone, replies over two minutes
        (C, "请问停车怎么收费？"),
        (A, "您好，购物满二百元可以免费停车三小时。"),
        (C, "没购物呢？"),
        (A, "我不是说了吗，没购物就按小时收费。"),
        (C, "多少钱一小时？"),
        (A, "五元一小时。"),
    ], {"waits": {1: 20, 3: 150, 5: 140}}),
]  # fmt: skip

CALLBACKS = [
    ([
        (A, "您好，我是百货商场客服中心的回访专员，工号5012。"),
        (C, "你好。"),
        (A, "您上周反映的冰箱送货延误问题，今天给您做个回访，请问现在方便吗？"),
        (C, "方便，你说。"),
        (A, "请问冰箱已经收到了吗？对我们的处理满意吗？"),
        (C, "收到了，挺满意的。"),
        (A, "谢谢您的支持，如果还有问题请随时联系我们，再见。"),
    ], {}),
    ([
        (A, "喂，是王先生吗？"),
        (C, "是我，什么事？"),
        (A, "你投诉的那个事情处理好了吧？"),
        (C, "根本没处理好，我很不满意。"),
        (A, "哦，那我记一下。"),
    ], {}),
    ([
        (A, "您好，我是客服中心回访专员，工号5020，关于您反映的洗衣机维修问题给您做个回访。"),
        (C, "你好，师傅昨天来修好了。"),
        (A, "请问您对这次维修服务满意吗？"),
        (C, "满意，师傅很专业。"),
        (A, "感谢您的认可，祝您生活愉快，再见。"),
    ], {}),
    ([
        (A, "您好，我是客服中心回访专员，关于您反映的羽绒服退货问题给您做个回访。"),
        (C, "已经给我退了。"),
        (A, "请问您对处理结果满意吗？"),
        (C, "基本满意吧，就是时间有点长。"),
        (A, "非常抱歉让您久等了，我们会改进，再见。"),
    ], {}),
]  # fmt: skip

SPEED = 230  # characters a minute: inside the hotline's 150–280


def rubrics_load(*, by) -> dict[str, RubricVersion]:
    """The three rubrics, each with a published version 1; keyed hotline / chat / callback. Made
    through the rubric services, so every demo rule passes the engine's validation."""
    versions = {}
    for key, (name, channels, queues, start, floor, ceiling, items) in zip(
        ("hotline", "chat", "callback"), RUBRICS, strict=True
    ):
        rubric = rubrics.rubric_create(name=name, channels=channels, queues=queues, by=by)
        draft = rubric.versions.get()
        rubrics.version_update(
            version=draft, by=by, start_score=start, floor_score=floor, ceiling_score=ceiling,
            note="依据服务规范 · From the service standard",
        )  # fmt: skip
        for position, (group, code, item_name, points, direction, severity, each, item_rules) in enumerate(
            items
        ):
            item = rubrics.item_create(
                version=draft, code=code, group=group, name=item_name, points=points, direction=direction,
                severity=severity, per_occurrence=each, position=position, by=by,
            )  # fmt: skip
            for rule_name, condition in item_rules:
                rules.rule_create(version=draft, item=item, name=rule_name, condition=condition, by=by)
        versions[key] = rubrics.version_publish(version=draft, by=by)
    return versions


def _phone_sentences(lines, options) -> list[dict]:
    silence, interrupt, fast = (
        options.get("silence", {}),
        options.get("interrupt", set()),
        options.get("fast"),
    )
    out, at = [], 800
    for i, (role, text) in enumerate(lines):
        speed = fast if (fast and role == A) else SPEED
        duration = int(len(text) / speed * 60_000)
        start = at + silence.get(i, 700)
        if i in interrupt and out:
            before = out[-1]
            start = before["start_ms"] + 1500  # the customer has been talking 1.5 s and goes on
        out.append(
            {"role": role, "speaker": role, "text": text, "start_ms": start, "end_ms": start + duration}
        )
        at = max(at, start + duration)
    return out


def _chat_sentences(lines, options) -> list[dict]:
    waits = options.get("waits", {})
    out, at = [], 0
    for i, (role, text) in enumerate(lines):
        at += waits.get(i, 20) * 1000
        out.append({"role": role, "speaker": role, "text": text, "start_ms": at, "end_ms": at})
    return out


def quality_demo_load(*, people: dict, rng: random.Random, now: datetime) -> dict:
    """Rubrics, inspected conversations over the last four weeks, a review queue and an appeal."""
    qa, supervisor = people["qa"], people["supervisor"]
    versions = rubrics_load(by=people["manager"])
    InspectorScope.objects.create(inspector=qa, channels=["phone", "chat"], queues=[])
    agents = [people[n] for n in ("agent", "agent2", "agent3", "agent4")]
    plan = (
        [("hotline", "phone", "热线", lines, opts, _phone_sentences) for lines, opts in PHONE] * 2
        + [("chat", "chat", "在线", lines, opts, _chat_sentences) for lines, opts in CHATS]
        + [("callback", "phone", "回访", lines, opts, _phone_sentences) for lines, opts in CALLBACKS]
    )
    inspections = []
    for n, (key, channel, queue, lines, options, build) in enumerate(plan):
        sentences = build(lines, options)
        agent = agents[n % len(agents)] if channel == "phone" else agents[n % 2]
        day = now - timedelta(days=rng.uniform(0.3, 27))
        started = timezone.localtime(day).replace(
            hour=rng.randint(9, 20), minute=rng.randint(0, 59), second=0
        )
        started = min(started, now - timedelta(hours=1))
        transcript = Transcript.objects.create(
            channel=channel, source_key=f"demo-quality-{n:03d}", sentences=sentences,
            call_external_id=f"demo-qa-{n:03d}" if channel == "phone" else "", agent=agent, queue=queue,
            vendor="demo" if channel == "phone" else "", started_at=started,
            ended_at=started + timedelta(milliseconds=sentences[-1]["end_ms"]),
        )  # fmt: skip
        inspection = inspect_transcript(
            transcript=transcript, now=min(transcript.ended_at + timedelta(minutes=2), now)
        )
        if inspection is None or inspection.version_id != versions[key].pk:
            raise RuntimeError(f"demo conversation {n} was not scored against the {key} rubric")
        inspections.append(inspection)
    _review_queue(inspections, qa=qa, now=now)
    sessions = _calibration(inspections, version=versions["hotline"], people=people, now=now)
    return {
        "rubrics": len(versions),
        "inspections": len(inspections),
        "sampled": sum(1 for i in inspections if i.state == Inspection.State.SAMPLED),
        "supervisor": supervisor.pk,
        "calibration_sessions": sessions,
    }


def _calibration(inspections: list[Inspection], *, version, people: dict, now: datetime) -> int:
    """Two calibration sessions (校准会) on hotline conversations, through the services people use:
    last week's, closed, where the inspector, the supervisor and the manager scored three calls
    blind and disagreed on a few items (its spread and agreement show at once); and this week's,
    open, which the inspector has scored and the supervisor and manager have not yet (blind)."""
    from kefu.quality.services import calibration

    qa, supervisor, manager = people["qa"], people["supervisor"], people["manager"]
    hotline = sorted((i for i in inspections if i.version_id == version.pk), key=lambda i: i.conversation_at)
    codes = sorted(version.items.values_list("code", flat=True))
    if len(hotline) < 5 or len(codes) < 3:
        return 0

    def found_by_engine(inspection) -> set[str]:
        return set(inspection.findings.filter(source="auto").values_list("item__code", flat=True))

    closed = calibration.calibration_create(
        name="上周热线校准 · Last week's hotline calibration", version=version,
        transcripts=[i.transcript for i in hotline[:3]], inspectors=[qa, supervisor, manager], by=qa,
    )  # fmt: skip
    comments = {
        qa: "按评分表逐条核对 · Checked item by item.",
        supervisor: "开场白算合格，语速问题不扣 · The greeting passes; no deduction for speed.",
        manager: "结束语不完整，应扣分 · The farewell was incomplete: deduct.",
    }
    for n, inspection in enumerate(hotline[:3]):
        engine = found_by_engine(inspection)
        # Realistic disagreement: the supervisor is lenient on one item, the manager strict on one.
        lenient = engine - {sorted(engine)[0]} if engine else engine
        strict = engine | {codes[(n * 3) % len(codes)]}
        for inspector, found in ((qa, engine), (supervisor, lenient), (manager, strict)):
            calibration.calibration_score(
                session=closed, transcript=inspection.transcript, found=found, by=inspector,
                comment=comments[inspector] if n == 0 else "", now=now - timedelta(days=6, hours=n),
            )  # fmt: skip
    calibration.calibration_close(session=closed, by=qa, now=now - timedelta(days=5))
    # Opened last week, as its scores and closing say (created_at is stamped on insert).
    type(closed).objects.filter(pk=closed.pk).update(created_at=now - timedelta(days=7))
    current = calibration.calibration_create(
        name="本周热线校准 · This week's hotline calibration", version=version,
        transcripts=[i.transcript for i in hotline[3:5]], inspectors=[qa, supervisor, manager], by=qa,
    )  # fmt: skip
    for inspection in hotline[3:5]:
        calibration.calibration_score(
            session=current, transcript=inspection.transcript, found=found_by_engine(inspection), by=qa,
            now=now - timedelta(hours=3),
        )  # fmt: skip
    return 2


def _review_queue(inspections: list[Inspection], *, qa, now: datetime) -> None:
    """Through the same services people use: two sampling plans pick the conversations to review
    (every severe or fatal finding; two at random per agent and week); the inspector reviews the
    three oldest picked (one finding rejected), and the agent of the first appeals, so a newcomer
    sees a review queue, reviewed scores beside automatic ones, and an appeal waiting for a decision."""
    from kefu.quality.models import SamplingPlan
    from kefu.quality.services import reviews, sampling

    plans = [
        sampling.sampling_plan_save(
            by=qa, name="严重问题全检 · Every severe finding", kind=SamplingPlan.Kind.SEVERE
        ),
        sampling.sampling_plan_save(
            by=qa, name="每人每周随机两条 · Two a week per agent", kind=SamplingPlan.Kind.RANDOM, count=2
        ),
    ]
    picked: list[int] = []
    for plan in plans:
        picked += sampling.sampling_plan_run(plan=plan, now=now, rng=random.Random(20261202))
    by_pk = {i.pk: i for i in inspections}
    oldest = sorted((by_pk[pk] for pk in picked if pk in by_pk), key=lambda i: i.conversation_at)[:3]
    for n, inspection in enumerate(oldest):
        at = min(inspection.inspected_at + timedelta(hours=20), now - timedelta(minutes=30))
        reviews.review_claim(inspection=inspection, by=qa, now=at)
        findings = list(inspection.findings.filter(source="auto").order_by("pk"))
        for k, finding in enumerate(findings):
            reject = n == 0 and k == len(findings) - 1 and len(findings) > 1
            reviews.finding_review(
                inspection=inspection, finding_id=finding.pk, by=qa, confirm=not reject, now=at,
                comment="录音中顾客情绪平稳，不计 · The customer was calm on the recording." if reject else "",
            )  # fmt: skip
        reviews.review_submit(
            inspection=inspection, by=qa, now=at,
            comment="已复核，请加强服务用语 · Reviewed: mind the service wording.",
        )  # fmt: skip
        if n == 0 and inspection.agent is not None:
            reviews.appeal_file(
                inspection=inspection, by=inspection.agent, now=at + timedelta(minutes=20),
                reason="顾客当时在嘈杂环境，我重复确认是为了核对地址 · The line was noisy; I repeated to confirm the address.",
            )  # fmt: skip
