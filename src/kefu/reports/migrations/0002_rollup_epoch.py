"""Rollup.epoch: each row's start in seconds since 1970, filled from `bucket` for the rows already built."""

from django.db import migrations, models


def fill(connection, table: str = "reports_rollup") -> None:
    """Every row's epoch from its bucket, in one UPDATE."""
    seconds = {
        "postgresql": "EXTRACT(EPOCH FROM bucket)::bigint",
        "sqlite": "CAST(strftime('%%s', bucket) AS INTEGER)",  # %%: the statement takes parameters
    }.get(connection.vendor)
    if seconds is None:
        raise RuntimeError(f"No epoch expression for {connection.vendor}.")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {connection.ops.quote_name(table)} SET epoch = {seconds}", ())


def fill_epoch(apps, schema_editor):
    fill(schema_editor.connection, apps.get_model("reports", "Rollup")._meta.db_table)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="rollup",
            name="epoch",
            field=models.BigIntegerField(null=True, verbose_name="starts at (seconds since 1970)"),
        ),
        migrations.RunPython(fill_epoch, migrations.RunPython.noop),
    ]
