"""The usage data tables can be distributed by premise (issue "SMT scale", docs/scaling.md).

The rule: at Texas scale (8 million meters, ~770 million 15-minute readings a day) the
per-premise data tables are spread over many PostgreSQL nodes with Citus, distribution
column `premise_id`. Citus can only enforce a primary key or a unique constraint/index
that includes the distribution column (each node checks its own shards), so **every unique
key of a distributed table must include the premise column**. A key without it (a surrogate
`id`, a unique request number) could not be created on the distributed table at all.

The keys are read from the database's catalog (`connection.introspection.get_constraints`),
on SQLite and on PostgreSQL, so what is checked is what the migrations built, not what the
models say.

Which tables are distributed by premise (DISTRIBUTED): those whose rows grow with meters ×
days and are read one premise at a time:
- IntervalDay: one row per meter, day, channel and version, ~8 M a day (most of the data);
- DailyRead: one row per meter, day and version;
- MonthlyUsage: one row per meter, billing period and version;
- MeterFreshness: one row per meter, written at every load with that meter's day rows, so
  it sits on the same node as them (colocated) and the load's write stays on one shard.

Which are not (KEPT_WHOLE, each with its reason): they grow with meters only or with what
users ask, they are read across premises (by ESIID, by company, by request number) and they
are small next to the day tables; they stay reference tables (copied to every node) or
tables on the coordinator. OnDemandRead in particular: its rows come from user requests
(USG-11 caps them at 24 a meter a day; in practice a small share of meters a day), not from
every meter every day, and the TDSP's answer finds a read by `tdsp_request_id` alone (API-3
`odr_result` carries no ESIID), a lookup that on a table distributed by premise would ask
every shard and whose uniqueness Citus could not enforce.

The second test makes the choice for every new table that points at a premise: a new day
table fails it until it is put in one list or the other.
"""

import pytest
from django.apps import apps
from django.db import connection, models

from usage.models import DailyRead, IntervalDay, MeterFreshness, MonthlyUsage, Premise

pytestmark = pytest.mark.django_db

DISTRIBUTED = [IntervalDay, DailyRead, MonthlyUsage, MeterFreshness]

KEPT_WHOLE = {
    "usage.Meter": "one row per meter and exchange; found by meter number across premises",
    "usage.RorPeriod": "REP of Record history: a few rows per meter, read by REP (DUNS)",
    "usage.CustomerPremise": "a customer's meters: rows per meter, read by customer",
    "usage.MeterShare": "a customer's shares: few, read by owner and by token",
    "usage.OnDemandRead": "user requests, not meter-days; answered by tdsp_request_id",
    "usage.ReportRequest_premises": "the meters of a report request, read by request",
    "agreements.Agreement": "3rd-party agreements: read by company and agreement number",
}


def unique_keys(model: type[models.Model]) -> dict[str, list[str]]:
    """The table's primary key and every unique constraint or unique index, by name, with
    their columns, as the database's catalog reports them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: list(details["columns"] or [])
        for name, details in constraints.items()
        if details["primary_key"] or details["unique"]
    }


@pytest.mark.parametrize("model", DISTRIBUTED, ids=lambda model: model.__name__)
def test_every_unique_key_of_a_premise_data_table_includes_the_premise(model):
    premise_column = model._meta.get_field("premise").column
    keys = unique_keys(model)

    assert keys, f"{model._meta.db_table} has no primary key in the catalog"
    without_premise = {name: cols for name, cols in keys.items() if premise_column not in cols}
    assert without_premise == {}, (
        f"{model._meta.db_table}: these unique keys lack {premise_column}, so the table "
        f"could not be distributed by premise: {without_premise}"
    )


def test_every_table_pointing_at_a_premise_is_distributed_or_kept_whole_on_purpose():
    pointing = {
        model._meta.label
        for model in apps.get_models(include_auto_created=True)
        for field in model._meta.get_fields(include_hidden=True)
        if (field.many_to_one or field.one_to_one)
        and field.concrete
        and field.related_model is Premise
    }
    decided = {model._meta.label for model in DISTRIBUTED} | set(KEPT_WHOLE)

    assert pointing - decided == set(), "decide: distributed by premise, or kept whole"
    assert decided - pointing == set(), "these no longer point at a premise"
