"""RFM snapshots (kefu.customers.rfm): one row per scored customer and date."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("customers", "0005_tiers_orders"),
    ]

    operations = [
        migrations.CreateModel(
            name="RfmScore",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("as_of", models.DateField(verbose_name="as of")),
                ("window_days", models.PositiveIntegerField(verbose_name="window (days)")),
                ("recency_days", models.PositiveIntegerField(verbose_name="days since the last order")),
                ("frequency", models.PositiveIntegerField(verbose_name="orders")),
                (
                    "monetary",
                    models.DecimalField(decimal_places=2, max_digits=16, verbose_name="net amount (元)"),
                ),
                ("r", models.PositiveSmallIntegerField(verbose_name="R")),
                ("f", models.PositiveSmallIntegerField(verbose_name="F")),
                ("m", models.PositiveSmallIntegerField(verbose_name="M")),
                (
                    "segment",
                    models.CharField(
                        choices=[
                            ("important_value", "Important value (重要价值)"),
                            ("important_develop", "Important to develop (重要发展)"),
                            ("important_keep", "Important to keep (重要保持)"),
                            ("important_win_back", "Important to win back (重要挽留)"),
                            ("general_value", "General value (一般价值)"),
                            ("general_develop", "General to develop (一般发展)"),
                            ("general_keep", "General to keep (一般保持)"),
                            ("general_win_back", "General to win back (一般挽留)"),
                        ],
                        max_length=20,
                        verbose_name="RFM segment",
                    ),
                ),
                ("computed_at", models.DateTimeField(verbose_name="computed at")),
                (
                    "customer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="rfm_scores",
                        to="customers.customer",
                        verbose_name="customer",
                    ),
                ),
            ],
            options={
                "verbose_name": "RFM score",
                "verbose_name_plural": "RFM scores",
                "ordering": ["-as_of", "customer_id"],
                "indexes": [models.Index(fields=["as_of", "segment"], name="customers_r_as_of_3b0a42_idx")],
                "constraints": [
                    models.UniqueConstraint(fields=("customer", "as_of"), name="rfm_score_one_per_day")
                ],
            },
        ),
    ]
