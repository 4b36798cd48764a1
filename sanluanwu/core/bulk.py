"""Insert many new rows fast: PostgreSQL COPY with ids reserved from the sequence; bulk_create elsewhere.

Used by imports (a town's sheet can hold 100,000 rows); the rows still pass every rule before they
get here, and their audit events are inserted the same way.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection, models


def insert_values(model: type[models.Model], rows: Sequence[dict[str, object]], *, batch_size: int = 5000) -> list[int]:
    """Insert rows given as {attname: python value} without building model instances; returns the new ids.

    Values must already be what the field stores (str, int, Decimal, date, aware datetime, dict for JSON).
    """
    if not rows:
        return []
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    if connection.vendor != "postgresql":
        objs = [model(**row) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return [int(o.pk) for o in objs]
    from psycopg.types.json import Jsonb

    fields = [f for f in meta.concrete_fields if f is not pk]
    json_fields = {f.attname for f in fields if isinstance(f, models.JSONField)}
    defaults = {f.attname: f.get_default() for f in fields}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, pk.column, len(rows)],
        )
        ids = [i for (i,) in cursor.fetchall()]
        columns = ", ".join(connection.ops.quote_name(c) for c in [pk.column, *(f.column for f in fields)])
        names = [f.attname for f in fields]
        with (
            cursor.connection.cursor() as cur,
            cur.copy(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN") as copy,
        ):
            for new_id, row in zip(ids, rows, strict=True):
                values: list[object] = [new_id]
                for name in names:
                    value = row.get(name, defaults[name])
                    values.append(Jsonb(value) if name in json_fields and value is not None else value)
                copy.write_row(values)
    return ids
