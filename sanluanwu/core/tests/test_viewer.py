"""Whose eyes an output is for (core.masking.viewer): a viewer the rule names sees no number at all, not even masked;
everyone else, and everything made outside a request, sees numbers masked."""

from __future__ import annotations

from types import SimpleNamespace

from sanluanwu.core import masking

TEXT = "门卫13812349876，身份证320483199001011234，房东0519-86381906，门牌8号"


def test_numbers_are_masked_outside_a_request_and_for_an_ordinary_viewer(monkeypatch):
    monkeypatch.setattr(masking, "_viewer_rule", [lambda user: user.pk == 7])
    masked = "门卫138****9876，身份证3204**********1234，房东0519-****1906，门牌8号"
    assert masking.mask_text(TEXT) == masked
    with masking.viewer(lambda: SimpleNamespace(pk=1, is_authenticated=True)):
        assert masking.mask_text(TEXT) == masked


def test_a_viewer_who_sees_no_number_gets_each_hidden_whole_and_the_rule_is_asked_once_and_only_for_a_number(
    monkeypatch,
):
    asked = []

    def rule(user):
        asked.append(user.pk)
        return user.pk == 7

    monkeypatch.setattr(masking, "_viewer_rule", [rule])
    fitter = SimpleNamespace(pk=7, is_authenticated=True)
    with masking.viewer(lambda: fitter):
        assert masking.mask_text("断水，门牌8号") == "断水，门牌8号" and asked == []  # no number: nobody asked
        assert masking.mask_text(TEXT) == "门卫（号码不予显示），身份证（号码不予显示），房东（号码不予显示），门牌8号"
        assert masking.mask_phone("0519-86381906") == masking.HIDDEN_NUMBER
        assert masking.mask_phone("8631") == masking.HIDDEN_NUMBER  # an odd short number too
        assert masking.mask_field("accounts.user", "phone", "13812349876") == masking.HIDDEN_NUMBER
        assert asked == [7]
    assert masking.mask_text(TEXT).startswith("门卫138****9876")  # the request over: masked again
