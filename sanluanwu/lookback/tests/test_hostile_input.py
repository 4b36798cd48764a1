"""Hostile input to the look-back: photos over the limit, absurd numbers, malformed bodies. 400, never 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile, TemporaryUploadedFile
from rest_framework.test import APIClient

from sanluanwu.lookback import services
from sanluanwu.lookback.models import Photo
from sanluanwu.lookback.tests.test_photos import _photo_root, jpeg_with_exif  # noqa: F401 - fixture


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def unread(monkeypatch):
    def read(self, *args):
        raise AssertionError("the photo was read before its size was checked")

    monkeypatch.setattr(TemporaryUploadedFile, "read", read)


@pytest.fixture
def draft(ada, alice, shut_target):
    services.assign_targets(actor=alice, targets=[shut_target], inspector=ada)
    return services.start_inspection(actor=ada, target=shut_target)


def test_a_photo_over_the_limit_is_refused_by_its_size_in_the_api(ada, draft, settings, unread):
    settings.PHOTO_MAX_BYTES = 3 * 1024 * 1024
    big = SimpleUploadedFile("big.jpg", jpeg_with_exif() + b"\0" * (4 * 1024 * 1024))
    response = _api(ada).post(f"/api/v1/lookback/inspections/{draft.pk}/photos/", {"photo": big}, format="multipart")
    assert response.status_code == 400
    assert "单张不超过 3 MB" in response.json()["photo"][0]
    assert not Photo.objects.exists()


def test_a_photo_over_the_limit_is_refused_by_its_size_on_the_page(client, ada, draft, settings, unread):
    settings.PHOTO_MAX_BYTES = 3 * 1024 * 1024
    client.force_login(ada)
    big = SimpleUploadedFile("big.jpg", jpeg_with_exif() + b"\0" * (4 * 1024 * 1024))
    response = client.post(f"/lookback/inspections/{draft.pk}/photos/", {"photo": big}, follow=True)
    assert "单张不超过 3 MB" in response.content.decode()
    assert not Photo.objects.exists()
