from __future__ import annotations

from typing import Any

from django import forms

from sanluanwu.accounts import permissions
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.queries import towns_allowing
from sanluanwu.accounts.scope import Scope
from sanluanwu.core import geo
from sanluanwu.imports.choices import ImportKind
from sanluanwu.imports.limits import MAX_BYTES


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="导入内容", choices=ImportKind.choices, initial=ImportKind.LIST)
    unit = forms.ModelChoiceField(label="导入单位", queryset=OrgUnit.objects.none(), required=False,
                                  empty_label="按表中“所属镇（街道）”列（仅办公室）")  # fmt: skip
    file = forms.FileField(label="表格文件", help_text="支持 .xlsx、.xls、.csv（UTF-8 或 GBK），不超过 20 MB")
    coord_datum = forms.ChoiceField(label="表中经纬度的坐标系", choices=geo.DATUM_CHOICES, initial=geo.DATUM_WGS84)
    all_or_nothing = forms.BooleanField(label="全部行无误才导入（有错误行则一行也不导入）", required=False)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = towns_allowing(scope, "import.upload")  # type: ignore[attr-defined]
        if permissions.towns_allowing(scope, "import.upload") is not None:
            self.fields["unit"].required = True
            self.fields["unit"].empty_label = None  # type: ignore[attr-defined]

    def clean_file(self) -> Any:
        """By the size the upload declares, before anything reads it into memory."""
        upload = self.cleaned_data["file"]
        if upload is not None and upload.size > MAX_BYTES:
            raise forms.ValidationError(f"文件过大（{upload.size / 1024 / 1024:.1f} MB），单个文件不超过 20 MB")
        return upload
