"""Callback plans may target RFM segments (kefu.customers.rfm) for periodic care."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("callbacks", "0005_tier_ladder_codes"),
        ("customers", "0006_rfm"),
    ]

    operations = [
        migrations.AddField(
            model_name="callbackplan",
            name="rfm_segments",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Periodic care: the customers whose current RFM segment is one of these.",
                verbose_name="RFM segments",
            ),
        ),
    ]
