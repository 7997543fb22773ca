"""Demo data for live chat: the standard phrases (常用语) an agent inserts in the console."""

from kefu.intake.chat.models import ChatPhrase

PHRASES = [
    ("问候", "您好，我是在线客服，很高兴为您服务，请问有什么可以帮您？"),
    ("问候", "感谢您的耐心等待，让您久等了。"),
    ("核实", "为了帮您查询，请提供您的订单号或下单时预留的手机号。"),
    ("核实", "请稍等，我马上为您查询。"),
    ("安抚", "非常抱歉给您带来不便，我们一定尽快为您处理。"),
    ("处理", "您的问题我已登记为工单，相关部门会在承诺时间内回复您。"),
    ("结束", "请问还有其他可以帮您的吗？"),
    ("结束", "感谢您的咨询，祝您生活愉快！"),
]


def chat_demo_load() -> int:
    """Seed the standard phrases once; returns how many were added."""
    if ChatPhrase.objects.exists():
        return 0
    ChatPhrase.objects.bulk_create(
        ChatPhrase(category=category, text=text, position=i) for i, (category, text) in enumerate(PHRASES)
    )
    return len(PHRASES)
