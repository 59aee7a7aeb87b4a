"""A check-in with a photo is recorded at once; a worker re-encodes the photo afterwards."""

import datetime as dt
import io
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from PIL import ExifTags, Image

from activities import photos, tasks
from activities.models import CheckIn
from activities.tests.factories import ActivityFactory
from activities.tests.test_drills import forget_unacked
from branches.sweeps import REGISTRY, run_sweep
from branches.tests.workers import WAIT_SECONDS, explained, reset_broker_pools
from branches.uploads import check_photo, clean_photo, draft_size
from config.celery_app import app

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DURING = dt.datetime(2026, 12, 6, 9, 30, tzinfo=SHANGHAI)
State = CheckIn.PhotoState


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    # Each test sees only the files it stored.
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def activity_a(branch_a):
    return ActivityFactory(organization=branch_a, date=dt.date(2026, 12, 6))


def jpeg(size=(4000, 3000), **params) -> bytes:
    image = Image.new("RGB", size, (200, 30, 30))
    image.paste((30, 30, 200), (0, 0, size[0] // 2, size[1]))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", **params)
    return buffer.getvalue()


def with_gps() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # stored sideways
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    return jpeg((400, 300), exif=exif)


def upload(data: bytes, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def files_under(root: Path, folder: str) -> list[Path]:
    return sorted(path for path in (root / folder).rglob("*") if path.is_file())


def post_checkin(client, activity, photo: bytes | None, **extra):
    data = {"nonce": "tap-1"}
    if photo is not None:
        data["photo"] = upload(photo)
    return client.post(reverse("activities:checkin", args=[activity.pk]), data, **extra)


@pytest.fixture
def pending(client, member, activity_a, django_capture_on_commit_callbacks):
    """A check-in whose photo was received and queued, but whose task has not run (its message was lost)."""
    client.force_login(member.user)
    with time_machine.travel(DURING, tick=False), django_capture_on_commit_callbacks() as queued:
        post_checkin(client, activity_a, with_gps())
    assert len(queued) == 1
    return CheckIn.objects.get()


# --- the request --------------------------------------------------------------------------------


@time_machine.travel(DURING, tick=False)
def test_the_check_in_is_recorded_at_once_and_the_photo_queued(
    client, member, activity_a, media, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    with django_capture_on_commit_callbacks() as queued, mock.patch("activities.photos.clean_photo") as decode:
        response = post_checkin(client, activity_a, jpeg(), follow=True, headers={"accept-language": "en"})
    decode.assert_not_called()  # nothing is decoded on the request
    assert "Checked in at 09:30." in [str(m) for m in response.context["messages"]]
    checkin = CheckIn.objects.get()
    assert checkin.nonce == "tap-1" and checkin.photo_state == State.PROCESSING and not checkin.photo
    assert checkin.photo_upload.name.startswith("checkins/incoming/2026/12/")
    assert "IMG_0001" not in checkin.photo_upload.name
    assert len(queued) == 1
    assert 'id="checkin-photo">Photo being processed.' in response.content.decode()


@time_machine.travel(DURING, tick=False)
def test_a_double_tap_with_a_photo_keeps_one_upload(
    client, member, activity_a, media, django_capture_on_commit_callbacks
):
    client.force_login(member.user)
    with django_capture_on_commit_callbacks(execute=True):
        post_checkin(client, activity_a, jpeg((800, 600)))
        post_checkin(client, activity_a, jpeg((800, 600)))
    assert CheckIn.objects.count() == 1
    assert len(files_under(media, "checkins")) == 1


def test_a_refused_check_in_keeps_no_upload(client, member, activity_a, media):
    with time_machine.travel(DURING - dt.timedelta(days=3), tick=False):
        client.force_login(member.user)
        post_checkin(client, activity_a, jpeg())
    assert not CheckIn.objects.exists()
    assert files_under(media, "checkins") == []


@time_machine.travel(DURING, tick=False)
def test_a_photo_costs_the_check_in_no_query(client, member, activity_a):
    client.force_login(member.user)
    with CaptureQueriesContext(connection) as plain:
        post_checkin(client, activity_a, None)
    CheckIn.objects.all().delete()
    with CaptureQueriesContext(connection) as with_photo:
        post_checkin(client, activity_a, jpeg())
    # The upload's name and state go in with the row.
    assert len(with_photo) == len(plain)


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"I am not a picture at all\n" * 10, "not_an_image"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 30, "not_an_image"),
    ],
)
def test_what_is_not_a_photo_is_still_refused_on_the_request(data, code):
    with pytest.raises(ValidationError) as exc:
        check_photo(upload(data))
    assert exc.value.code == code


def test_the_request_check_reads_the_header_only():
    data = jpeg()
    truncated = upload(data[: len(data) // 2])
    # Only a full decode notices the missing half; that is the worker's job.
    assert check_photo(truncated) is truncated
    with mock.patch.object(Image.Image, "load", side_effect=AssertionError("decoded")):
        check_photo(upload(data))
    with pytest.raises(ValidationError) as exc:
        clean_photo(truncated)
    assert exc.value.code == "damaged"


# --- the decode ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "draft", "final"),
    [
        ((4000, 3000), (1600, 1200), (1600, 1200)),
        ((3000, 4000), (1200, 1600), (1200, 1600)),
        ((6000, 2000), (1600, 534), (1600, 533)),
        ((1000, 800), (1000, 800), (1000, 800)),
    ],
)
def test_a_jpeg_is_decoded_at_the_smallest_scale_still_as_large_as_what_is_kept(size, draft, final):
    assert draft_size(size, 1600) == draft
    original = Image.open(io.BytesIO(jpeg(size)))
    original.draft("RGB", draft)
    assert original.size[0] >= final[0] and original.size[1] >= final[1]
    if size == (4000, 3000):
        assert original.size == (2000, 1500)  # a quarter of the pixels, not all of them
    assert Image.open(clean_photo(upload(jpeg(size)))).size == final


# --- the task -----------------------------------------------------------------------------------


def test_the_task_stores_a_clean_upright_photo_and_removes_the_upload(pending, media):
    upload_path = media / pending.photo_upload.name
    assert upload_path.exists()

    assert tasks.process_checkin_photo.delay(pending.pk).get() == "ready"

    pending.refresh_from_db()
    assert pending.photo_state == State.READY and not pending.photo_upload
    assert not upload_path.exists()
    assert files_under(media, "checkins/incoming") == []
    with pending.photo.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (300, 400)
    assert not image.getexif() and b"PhoneMaker" not in data


def test_the_task_run_twice_leaves_one_photo(pending, media):
    assert photos.process(pending.pk) == "ready"
    assert photos.process(pending.pk) == "nothing"
    assert len(files_under(media, "checkins")) == 1
    pending.refresh_from_db()
    assert pending.photo_state == State.READY


def test_a_run_that_loses_the_race_removes_its_copy(pending, media):
    decode = photos.clean_photo
    calls = []

    def another_run_finishes_meanwhile(raw):
        calls.append(raw)
        if len(calls) == 1:
            # While this run decodes, a redelivered copy of the task runs to the end.
            assert photos.process(pending.pk) == "ready"
        return decode(raw)

    with mock.patch("activities.photos.clean_photo", side_effect=another_run_finishes_meanwhile):
        assert photos.process(pending.pk) == "nothing"
    assert len(calls) == 2
    pending.refresh_from_db()
    assert files_under(media, "checkins") == [media / pending.photo.name]


def test_the_task_takes_three_queries(pending, django_assert_num_queries):
    with django_assert_num_queries(3):  # read, store the photo, clear the upload's name
        photos.process(pending.pk)


def test_a_photo_that_cannot_be_decoded_is_dropped_and_the_check_in_kept(
    client, member, activity_a, media, django_capture_on_commit_callbacks
):
    data = jpeg()
    client.force_login(member.user)
    with time_machine.travel(DURING, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            post_checkin(client, activity_a, data[: len(data) // 2])
        checkin = CheckIn.objects.get()
        assert checkin.photo_state == State.FAILED and not checkin.photo and not checkin.photo_upload
        assert files_under(media, "checkins") == []
        assert photos.process(checkin.pk) == "nothing"  # a redelivery changes nothing
        page = client.get(reverse("activities:member_detail", args=[activity_a.pk]), headers={"accept-language": "en"})
    assert "The photo could not be read and was not kept; your check-in stands." in page.content.decode()
    assert "Checked in at 09:30" in page.content.decode()


def test_a_worker_that_dies_mid_decode_leaves_the_check_in_and_the_photo_is_retried(pending, media):
    # The process ends inside the decode: nothing after it runs, no state changes.
    with mock.patch("activities.photos.clean_photo", side_effect=SystemExit(1)), pytest.raises(SystemExit):
        photos.process(pending.pk)
    pending.refresh_from_db()
    assert pending.photo_state == State.PROCESSING and (media / pending.photo_upload.name).exists()

    # The message is redelivered (late acknowledgement) or the sweep queues it again.
    assert photos.process(pending.pk) == "ready"
    assert len(files_under(media, "checkins")) == 1


def test_a_worker_that_dies_after_storing_leaves_an_upload_the_sweep_removes(pending, media):
    with mock.patch("activities.photos._remove_upload", side_effect=SystemExit(1)), pytest.raises(SystemExit):
        photos.process(pending.pk)
    pending.refresh_from_db()
    assert pending.photo_state == State.READY and pending.photo_upload
    assert photos.process(pending.pk) == "nothing"

    assert photos.sweep()["uploads_removed"] == 1
    pending.refresh_from_db()
    assert not pending.photo_upload and files_under(media, "checkins/incoming") == []


# --- the sweep ----------------------------------------------------------------------------------


def test_the_sweep_queues_again_a_photo_whose_message_was_lost(pending, media, django_capture_on_commit_callbacks):
    assert photos.sweep(DURING + dt.timedelta(minutes=1))["requeued"] == 0  # the task may still be on its way

    later = DURING + photos.STALE_AFTER + dt.timedelta(seconds=1)
    result = photos.sweep(later)  # tests run tasks inline

    assert result == {"requeued": 1, "waiting": 0, "dropped": 0, "uploads_removed": 0}
    pending.refresh_from_db()
    assert pending.photo_state == State.READY and pending.photo and not pending.photo_upload
    assert photos.sweep(later + photos.STALE_AFTER * 2) == {
        "requeued": 0,
        "waiting": 0,
        "dropped": 0,
        "uploads_removed": 0,
    }


def test_the_sweep_renews_the_queue_time_so_a_slow_queue_gets_one_message_per_round(pending):
    later = DURING + photos.STALE_AFTER + dt.timedelta(seconds=1)
    with mock.patch("activities.photos.enqueue", return_value=False) as enqueue:
        assert photos.sweep(later)["waiting"] == 1
        assert photos.sweep(later + dt.timedelta(minutes=1))["waiting"] == 0
    assert enqueue.call_count == 1
    pending.refresh_from_db()
    assert pending.photo_queued_at == later and pending.photo_state == State.PROCESSING


def test_a_photo_still_unprocessed_a_day_later_is_dropped(pending, media):
    result = photos.sweep(DURING + photos.GIVE_UP_AFTER + dt.timedelta(minutes=1))
    assert result["dropped"] == 1
    pending.refresh_from_db()
    assert pending.photo_state == State.FAILED and not pending.photo_upload
    assert files_under(media, "checkins") == []


def test_the_sweep_is_registered_and_scheduled(pending):
    assert "checkin_photos" in REGISTRY
    assert settings.CELERY_BEAT_SCHEDULE["checkin_photos"]["args"] == ["checkin_photos"]
    with time_machine.travel(DURING + photos.STALE_AFTER * 2, tick=False):
        assert run_sweep("checkin_photos")["requeued"] == 1


def test_the_sweep_reads_only_rows_holding_an_upload(pending, django_assert_num_queries):
    CheckIn.objects.filter(pk=pending.pk).update(photo_queued_at=DURING + dt.timedelta(minutes=4))
    with django_assert_num_queries(1):
        photos.sweep(DURING + dt.timedelta(minutes=5))


# --- who sees it --------------------------------------------------------------------------------


def test_the_upload_and_the_photo_are_never_served_from_media(client, pending, member):
    client.force_login(member.user)
    assert client.get(settings.MEDIA_URL + pending.photo_upload.name).status_code == 404
    photos.process(pending.pk)
    pending.refresh_from_db()
    assert client.get(settings.MEDIA_URL + pending.photo.name).status_code == 404


@time_machine.travel(DURING, tick=False)
def test_a_photo_check_in_to_another_branchs_activity_is_404_and_stores_nothing(
    client, outsider, activity_a, media, django_capture_on_commit_callbacks
):
    client.force_login(outsider.user)
    with django_capture_on_commit_callbacks() as queued:
        response = post_checkin(client, activity_a, jpeg())
    assert response.status_code == 404
    assert not CheckIn.objects.exists() and not queued
    assert files_under(media, "checkins") == []


# --- a real worker killed mid-decode ------------------------------------------------------------


def slow_png() -> bytes:
    # 49 megapixels that compress to almost nothing: a small file whose decode takes a while.
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((7000, 7000)).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.integration
def test_a_worker_killed_mid_decode_leaves_the_check_ins_and_the_sweep_finishes_the_photos(
    broker, worker_factory, media, member
):
    data = slow_png()
    activities = [
        ActivityFactory(organization=member.organization, date=dt.date(2026, month, 6)) for month in (10, 11, 12)
    ]
    checkins = []
    for activity in activities:
        checkin = CheckIn.objects.create(member=member, activity=activity, checked_in_at=DURING)
        checkin.photo_upload.save("upload", upload(data, "p.png"), save=False)
        checkin.photo_state, checkin.photo_queued_at = State.PROCESSING, DURING
        checkin.save()
        checkins.append(checkin)

    reset_broker_pools()
    worker = worker_factory(DJANGO_MEDIA_ROOT=str(media))
    worker.start()
    try:
        with app_connection() as producer:
            for checkin in checkins:
                tasks.process_checkin_photo.apply_async(args=[checkin.pk], queue=broker["queue"], producer=producer)
        with explained(worker):
            wait(lambda: CheckIn.objects.filter(photo_state=State.READY).exists(), worker)
        # The next photo is being decoded now.
        worker.process.kill()
        worker.process.wait()
        states = dict(CheckIn.objects.values_list("pk", "photo_state"))
        assert len(states) == 3, "every check-in stays"
        assert State.PROCESSING in states.values(), "the drill must interrupt the photos, not follow them"

        # The killed worker's message is gone (embedded broker) or parked unacknowledged (Redis):
        # the sweep queues whatever is overdue again.
        CheckIn.objects.filter(photo_state=State.PROCESSING).update(photo_queued_at=DURING)
        again = worker_factory(DJANGO_MEDIA_ROOT=str(media))
        again.start()
        assert photos.sweep(DURING + photos.STALE_AFTER * 2)["requeued"] >= 1
        with explained(again):
            wait(lambda: not CheckIn.objects.exclude(photo_state=State.READY).exists(), again)
            assert again.stop() == 0
    finally:
        reset_broker_pools()
        if settings.REDIS_URL:
            forget_unacked(broker["queue"])
    assert not CheckIn.objects.exclude(photo_upload="").exists()
    assert files_under(media, "checkins/incoming") == []
    assert len(files_under(media, "checkins")) == 3
    for checkin in CheckIn.objects.all():
        with checkin.photo.open("rb") as stored:
            assert Image.open(stored).size == (1600, 1600)


@contextmanager
def app_connection():
    # A producer of its own: the app's pool may still hold another test's broker.
    with app.connection_for_write() as conn, conn.Producer() as producer:
        yield producer


def wait(condition, worker) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if condition():
            return
        assert worker.process.poll() is None, f"worker exited with {worker.process.returncode}"
        time.sleep(0.02)
    raise AssertionError(f"not done within {WAIT_SECONDS} s")
