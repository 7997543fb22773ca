from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0004_agent_state_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="callrecord",
            name="hold_seconds",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="hold (s)"),
        ),
    ]
