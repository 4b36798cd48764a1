"""Lookups the ORM lacks.

`field__any_of=[...]` is `field__in=[...]` sent as one array parameter on PostgreSQL (`field = ANY(%s)`): a chunk of
5,000 ids is then one value to adapt and one to parse, not 5,000 placeholders (the as-of statuses of a town's report
took 0.27 s to read instead of 0.1). Other databases get IN, as `__in` would write it.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Field, ForeignKey
from django.db.models.lookups import In


class AnyOf(In):
    lookup_name = "any_of"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        if connection.vendor != "postgresql" or not self.rhs_is_direct_value():
            return super().as_sql(compiler, connection)
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # Each value prepared by the field (In.get_prep_lookup); None matches nothing, as IN leaves it out.
        values = [value for value in dict.fromkeys(self.rhs) if value is not None]
        if not values:
            return super().as_sql(compiler, connection)  # (EmptyResultSet)
        db_type = self.lhs.output_field.target_field.db_type(connection) if isinstance(
            self.lhs.output_field, ForeignKey) else self.lhs.output_field.db_type(connection)  # fmt: skip
        return f"{lhs} = ANY(%s::{db_type}[])", [*lhs_params, values]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignKey.register_lookup(AnyOf)
