"""SLA policies that named the old default tier "standard" name its rung of the ladder, "C"."""

from django.db import migrations


def standard_is_c(apps, schema_editor):
    apps.get_model("tickets", "SlaPolicy").objects.filter(customer_tier="standard").update(customer_tier="C")


class Migration(migrations.Migration):
    dependencies = [("tickets", "0008_ticket_customer_reply"), ("customers", "0003_record")]
    operations = [migrations.RunPython(standard_is_c, migrations.RunPython.noop)]
