"""Seed the dissatisfaction taxonomy and a standard complaint-callback script (both editable)."""

from django.db import migrations

AGENT = [
    "语气平淡",
    "表达用语随意",
    "抢话",
    "不耐烦",
    "处理不灵活",
    "业务不熟",
    "解释不清",
    "未按时回复",
]
OTHER = [
    "业务流程",
    "系统设置",
    "产品问题",
    "政策规定",
    "客户自身原因",
]
QUESTIONS = [
    ("您反映的问题解决了吗？", "choice", ["已解决", "未解决"], "solved"),
    ("您对我们的处理满意吗？", "choice", ["满意", "基本满意", "不满意"], "satisfaction"),
    ("您觉得我们哪里还可以做得更好？", "text", [], ""),
    ("您有什么表扬或建议吗？", "text", [], "feedback"),
]


def seed(apps, schema_editor):
    Reason = apps.get_model("callbacks", "Reason")
    for factor, names in (("agent", AGENT), ("other", OTHER)):
        for position, name in enumerate(names):
            Reason.objects.get_or_create(name=name, defaults={"factor": factor, "position": position})
    Script = apps.get_model("callbacks", "Script")
    Question = apps.get_model("callbacks", "Question")
    script, created = Script.objects.get_or_create(name="投诉回访")
    if created:
        for position, (text, kind, choices, role) in enumerate(QUESTIONS):
            Question.objects.create(
                script=script, position=position, text=text, kind=kind, choices=choices, role=role,
                required=kind != "text",
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [("callbacks", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
