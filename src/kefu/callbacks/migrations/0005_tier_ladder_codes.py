"""Callback plans that named the old default tier "standard" name its rung of the ladder, "C"."""

from django.db import migrations


def standard_is_c(apps, schema_editor):
    for plan in apps.get_model("callbacks", "CallbackPlan").objects.exclude(customer_tiers=[]):
        tiers = ["C" if code == "standard" else code for code in plan.customer_tiers or []]
        if tiers != plan.customer_tiers:
            plan.customer_tiers = tiers
            plan.save(update_fields=["customer_tiers"])


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0004_contracts_chat_surveys_lean_task_indexes"),
        ("customers", "0003_record"),
    ]
    operations = [migrations.RunPython(standard_is_c, migrations.RunPython.noop)]
