"""The inspection form is built from the checklist items that apply to the place."""

from __future__ import annotations

from typing import Any

from django import forms

from sanluanwu.core import geo
from sanluanwu.core.forms import BoundedDateTimeField
from sanluanwu.lookback import checklist
from sanluanwu.lookback.choices import Answer, PlaceKind
from sanluanwu.lookback.services import InspectionInput
from sanluanwu.registry.choices import LookbackCategory

_TEXT = forms.Textarea(attrs={"rows": 2})


class InspectionForm(forms.Form):
    inspected_at = BoundedDateTimeField(label="检查时间", required=False,
                                       widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))  # fmt: skip
    inspectors = forms.CharField(label="检查人员", max_length=200)
    # Bounded like the service (NUMBER_BOUNDS): a position from a broken phone is refused, never stored.
    longitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=73, max_value=136,
                                 error_messages={"min_value": "经度应在 73～136 之间", "max_value": "经度应在 73～136 之间"})  # fmt: skip
    latitude = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=3, max_value=54,
                                error_messages={"min_value": "纬度应在 3～54 之间", "max_value": "纬度应在 3～54 之间"})  # fmt: skip
    accuracy_m = forms.FloatField(required=False, widget=forms.HiddenInput, min_value=0, max_value=100_000)
    distance_reason = forms.CharField(label="与登记位置相距较远的原因", required=False, max_length=300)
    env_problems = forms.CharField(label="存在环境违法行为、环境风险问题情况", required=False, widget=_TEXT,
                                   help_text="按检查项自动生成，可修改")  # fmt: skip
    safety_problems = forms.CharField(label="存在安全隐患情况", required=False, widget=_TEXT)
    other_problems = forms.CharField(label="存在其他问题情况", required=False, widget=_TEXT)
    category = forms.TypedChoiceField(label="更正排查类型（一般不需要）", required=False, coerce=int, empty_value=None,
                                      choices=[("", "按系统判定"), *LookbackCategory.choices])  # fmt: skip
    category_reason = forms.CharField(label="更正理由", required=False, max_length=300)
    new_name = forms.CharField(label="新发现企业（作坊）名称", required=False, max_length=200,
                               help_text="无营业执照的按“负责人姓名+经营内容+作坊（或个体户）”填写")  # fmt: skip
    new_legal_person = forms.CharField(label="负责人", required=False, max_length=50)
    new_phone = forms.CharField(label="联系电话", required=False, max_length=30)
    new_industry = forms.CharField(label="经营内容（行业）", required=False, max_length=100)
    new_credit_code = forms.CharField(label="统一社会信用代码", required=False, max_length=18)
    link_enterprise = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1)
    acknowledge_new = forms.BooleanField(label="已核对，确认是新的企业（作坊）", required=False)

    def __init__(self, *args: Any, items: list[checklist.Item], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.items = items
        for item in items:
            self.fields[f"answer_{item.code}"] = forms.ChoiceField(
                label=item.text, choices=Answer.choices, required=False, widget=forms.RadioSelect
            )
            self.fields[f"note_{item.code}"] = forms.CharField(label="说明", required=False, max_length=500)

    def checklist_rows(self) -> list[tuple[checklist.Item, Any, Any]]:
        return [(i, self[f"answer_{i.code}"], self[f"note_{i.code}"]) for i in self.items]

    def to_input(self) -> InspectionInput:
        d = self.cleaned_data
        return InspectionInput(
            inspected_at=d.get("inspected_at"), inspectors=d.get("inspectors", ""), longitude=d.get("longitude"),
            latitude=d.get("latitude"), accuracy_m=d.get("accuracy_m"), distance_reason=d.get("distance_reason", ""),
            answers={i.code: d[f"answer_{i.code}"] for i in self.items if d.get(f"answer_{i.code}")},
            notes={i.code: d.get(f"note_{i.code}", "") for i in self.items},
            env_problems=d.get("env_problems") if self.data.get("findings_edited") else None,
            safety_problems=d.get("safety_problems") if self.data.get("findings_edited") else None,
            other_problems=d.get("other_problems") if self.data.get("findings_edited") else None,
            category=d.get("category"), category_reason=d.get("category_reason", ""),
            new_name=d.get("new_name", ""), new_legal_person=d.get("new_legal_person", ""),
            new_phone=d.get("new_phone", ""), new_industry=d.get("new_industry", ""),
            new_credit_code=d.get("new_credit_code", ""),
        )  # fmt: skip


class PlaceForm(forms.Form):
    kind = forms.ChoiceField(label="场所类型", choices=[c for c in PlaceKind.choices if c[0] != PlaceKind.BASELINE])
    name = forms.CharField(label="场所名称", max_length=200, help_text="如：新华村原纺织厂废弃厂房")
    address = forms.CharField(label="地址", max_length=300)
    village = forms.CharField(label="村（社区）", max_length=60, required=False)
    coordinates = forms.CharField(label="经纬度", max_length=100, required=False)
    coord_datum = forms.ChoiceField(label="坐标系", choices=geo.DATUM_CHOICES, initial=geo.DATUM_WGS84)
