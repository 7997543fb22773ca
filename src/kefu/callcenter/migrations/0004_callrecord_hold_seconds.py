from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("callcenter", "0003_call_queue_fact_import_counts_outcome_words"),
    ]

    operations = [
        migrations.AddField(
            model_name="callrecord",
            name="hold_seconds",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="hold (s)"),
        ),
    ]
