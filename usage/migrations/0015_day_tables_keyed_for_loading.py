"""The day tables laid out for loading (USG-2, docs/decisions.md "Scale").

Each day table gets its row's identity as a composite primary key, (premise, day[, channel],
version), and loses its surrogate id, its second (partial) unique index for the current
version and its foreign-key trigger. The interval table's stored day total goes: it is added
up from the readings when read. On PostgreSQL the interval table becomes partitioned by
month of `day`, with a default partition for any day outside the monthly ones.

Django cannot alter a table to a composite primary key, so each table is rebuilt: the old one
is renamed, the new one created from the new model state and the rows copied across.
"""

from datetime import date

import django.db.models.deletion
from django.db import migrations, models
from django.utils import timezone

TABLES = {
    "intervalday": "usage_intervalday",
    "dailyread": "usage_dailyread",
    "monthlyusage": "usage_monthlyusage",
}
MONTHS_AHEAD = 3  # as usage.services.partitions.MONTHS_AHEAD when this migration was written


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_starts(first: date, last: date) -> list[date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def rename_old_tables(apps, schema_editor):
    quote = schema_editor.quote_name
    for table in TABLES.values():
        schema_editor.execute(f"ALTER TABLE {quote(table)} RENAME TO {quote(table + '_old')}")
        if schema_editor.connection.vendor == "postgresql":
            # Constraint names are unique per schema: the new table's key takes this one.
            schema_editor.execute(
                f"ALTER TABLE {quote(table + '_old')} RENAME CONSTRAINT "
                f"{quote(table + '_pkey')} TO {quote(table + '_old_pkey')}"
            )


def create_and_copy(apps, schema_editor):
    postgres = schema_editor.connection.vendor == "postgresql"
    quote = schema_editor.quote_name
    for model_name, table in TABLES.items():
        model = apps.get_model("usage", model_name)
        if postgres and model_name == "intervalday":
            _create_partitioned(schema_editor, model)
        else:
            schema_editor.create_model(model)
        columns = ", ".join(quote(field.column) for field in model._meta.concrete_fields)
        schema_editor.execute(
            f"INSERT INTO {quote(table)} ({columns}) SELECT {columns} FROM {quote(table + '_old')}"
        )
        schema_editor.execute(f"DROP TABLE {quote(table + '_old')}")


def _create_partitioned(schema_editor, model):
    sql, params = schema_editor.table_sql(model)
    schema_editor.execute(f"{sql} PARTITION BY RANGE (day)", params or None)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT min(day), max(day) FROM usage_intervalday_old")
        first, last = cursor.fetchone()
    today = timezone.localdate()
    ahead = today
    for _ in range(MONTHS_AHEAD):
        ahead = _next_month(ahead)
    first = min(first or today, today)
    last = max(last or today, ahead)
    for month in _month_starts(first, last):
        schema_editor.execute(
            f"CREATE TABLE usage_intervalday_p{month:%Y_%m} PARTITION OF usage_intervalday "
            f"FOR VALUES FROM ('{month}') TO ('{_next_month(month)}')"
        )
    schema_editor.execute(
        "CREATE TABLE usage_intervalday_default PARTITION OF usage_intervalday DEFAULT"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("usage", "0014_meter_freshness"),
    ]

    operations = [
        migrations.RunPython(rename_old_tables, elidable=False),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="dailyread",
                    name="daily_read_version_unique",
                ),
                migrations.RemoveConstraint(
                    model_name="dailyread",
                    name="daily_read_one_current",
                ),
                migrations.RemoveConstraint(
                    model_name="intervalday",
                    name="interval_day_version_unique",
                ),
                migrations.RemoveConstraint(
                    model_name="intervalday",
                    name="interval_day_one_current",
                ),
                migrations.RemoveConstraint(
                    model_name="monthlyusage",
                    name="monthly_usage_version_unique",
                ),
                migrations.RemoveConstraint(
                    model_name="monthlyusage",
                    name="monthly_usage_one_current",
                ),
                migrations.RemoveField(
                    model_name="dailyread",
                    name="id",
                ),
                migrations.RemoveField(
                    model_name="intervalday",
                    name="id",
                ),
                # Added up when read (IntervalDay.total_kwh): not worth its cost at load.
                migrations.RemoveField(
                    model_name="intervalday",
                    name="total_kwh",
                ),
                migrations.RemoveField(
                    model_name="monthlyusage",
                    name="id",
                ),
                migrations.AddField(
                    model_name="dailyread",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "premise",
                        "day",
                        "version",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AddField(
                    model_name="intervalday",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "premise",
                        "day",
                        "channel",
                        "version",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AddField(
                    model_name="monthlyusage",
                    name="pk",
                    field=models.CompositePrimaryKey(
                        "premise",
                        "start_date",
                        "version",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                migrations.AlterField(
                    model_name="dailyread",
                    name="premise",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="daily_reads",
                        to="usage.premise",
                    ),
                ),
                migrations.AlterField(
                    model_name="intervalday",
                    name="premise",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="interval_days",
                        to="usage.premise",
                    ),
                ),
                migrations.AlterField(
                    model_name="monthlyusage",
                    name="premise",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="monthly_usage",
                        to="usage.premise",
                    ),
                ),
            ],
        ),
        migrations.RunPython(create_and_copy, elidable=False),
    ]
