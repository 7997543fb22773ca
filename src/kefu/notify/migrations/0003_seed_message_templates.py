"""Default customer message templates (editable by managers in the admin)."""

from django.db import migrations

DEFAULTS = [
    (
        "受理回执（短信）",
        "acknowledgement",
        "sms",
        "",
        "{customer_name}您好，您反映的问题已受理，工单号{ticket_no}，我们将在{promised_time}前答复您。",
    ),
    (
        "办结通知（短信）",
        "result",
        "sms",
        "",
        "{customer_name}您好，您的工单{ticket_no}已办结：{result}。如有疑问请回复本短信。",
    ),
    (
        "满意度调查（短信）",
        "survey",
        "sms",
        "",
        "{customer_name}您好，请为工单{ticket_no}的服务打分：{survey_url} 感谢您的支持。",
    ),
    (
        "受理回执（邮件）",
        "acknowledgement",
        "email",
        "您的工单 {ticket_no} 已受理",
        "{customer_name}您好：\n\n您反映的问题已受理，工单号 {ticket_no}。"
        "我们将在 {promised_time} 前答复您。\n\n回复本邮件即可补充情况。",
    ),
    (
        "办结通知（邮件）",
        "result",
        "email",
        "您的工单 {ticket_no} 已办结",
        "{customer_name}您好：\n\n您的工单 {ticket_no} 已办结。\n\n处理结果：{result}\n\n如有疑问，请直接回复本邮件。",
    ),
    (
        "满意度调查（邮件）",
        "survey",
        "email",
        "请评价工单 {ticket_no} 的服务",
        "{customer_name}您好：\n\n请花一分钟为工单 {ticket_no} 的服务打分：{survey_url}\n\n感谢您的支持。",
    ),
]


def seed(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for name, kind, channel, subject, body in DEFAULTS:
        if not MessageTemplate.objects.filter(kind=kind, channel=channel).exists():
            MessageTemplate.objects.create(name=name, kind=kind, channel=channel, subject=subject, body=body)


def unseed(apps, schema_editor):
    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    MessageTemplate.objects.filter(name__in=[d[0] for d in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_templates_notices_webhooks")]

    operations = [migrations.RunPython(seed, unseed)]
