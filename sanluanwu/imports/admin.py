from __future__ import annotations

from django.contrib import admin

from sanluanwu.imports.models import ValueSynonym


@admin.register(ValueSynonym)
class ValueSynonymAdmin(admin.ModelAdmin[ValueSynonym]):
    list_display = ["field", "text", "value"]
    list_filter = ["field"]
