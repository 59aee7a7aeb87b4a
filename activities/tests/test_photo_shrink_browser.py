"""A photo chosen on the check-in page is shrunk in the phone's browser before it is sent; without
JavaScript the original goes, and the check-in is recorded either way.

Debian's Chromium against the live server. The server is not eager here: the ``broker`` fixture
points it at a private queue that no worker reads, so the upload exactly as the server received it
stays on disk (``photo_upload``) to be measured; the worker's step is then run in this process.
"""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import ExifTags, Image

from activities import photos
from activities.models import CheckIn
from activities.tests.factories import ActivityFactory
from branches.tests.workers import reset_broker_pools
from branches.uploads import PHOTO_MAX_SIDE
from members.tests.factories import MemberFactory, UserFactory
from members.tests.test_browser import log_in

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]
State = CheckIn.PhotoState


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture(autouse=True)
def not_eager(broker):
    """Queued photos wait on a queue of this test's own, so nothing re-encodes them behind the test's back."""
    reset_broker_pools()
    yield broker
    reset_broker_pools()


@pytest.fixture
def open_activity(branch_a):
    user = UserFactory(phone="+8617000000101", name="何大勇")
    MemberFactory(
        user=user, phone=user.phone, organization=branch_a, name="何大勇", joined_party_on=dt.date(2008, 7, 1)
    )
    activity = ActivityFactory(organization=branch_a, date=timezone.localdate(), theme="学习《我是党员》第三章")
    assert activity.is_open(timezone.now())
    return activity


def phone_photo(size: tuple[int, int]) -> bytes:
    """A camera JPEG stored sideways (EXIF orientation 6) with a GPS position, like a phone's."""
    noise = Image.effect_noise(size, 25)
    bands = [Image.linear_gradient("L").resize(size), Image.radial_gradient("L").resize(size)]
    image = Image.merge("RGB", [Image.blend(band, noise, 0.3) for band in bands] + [Image.blend(bands[0], noise, 0.5)])
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitudeRef] = "N"
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


@pytest.fixture(scope="module")
def twelve_megapixels(tmp_path_factory):
    path = tmp_path_factory.mktemp("photos") / "IMG_0001.jpg"
    path.write_bytes(phone_photo((4000, 3000)))
    return path


def check_in_with_photo(page, activity, photo) -> None:
    page.goto(page.base + f"/activities/mine/{activity.pk}/")
    page.locator("#my-checkin details summary").click()
    page.set_input_files("#my-checkin input[name=photo]", str(photo))
    # Tapped at once: the photo may still be shrinking, and the tap must wait for it.
    page.locator("#my-checkin details button[type=submit]").click()
    page.locator("#my-checkin .done").wait_for()


def received(activity) -> tuple[CheckIn, bytes]:
    """The check-in and the upload as the server stored it on receipt."""
    checkin = CheckIn.objects.get(activity=activity)
    assert checkin.photo_state == State.PROCESSING
    with checkin.photo_upload.open("rb") as upload:
        return checkin, upload.read()


def kept_size(checkin: CheckIn) -> tuple[int, int]:
    """What the worker keeps of the upload: the same upright photo, whichever way it came."""
    assert photos.process(checkin.pk) == "ready"
    checkin.refresh_from_db()
    with checkin.photo.open("rb") as stored:
        return Image.open(stored).size


@pytest.fixture
def no_script(browser, live_server):
    """A phone whose browser runs no JavaScript; errors it reports fail the test."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="zh-CN", device_scale_factor=2, java_script_enabled=False
    )
    page = context.new_page()
    page.errors = []
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    page.base = live_server.url
    yield page
    context.close()
    if page.errors:
        pytest.fail(f"the browser reported errors: {page.errors}")


def test_a_twelve_megapixel_photo_is_shrunk_on_the_phone_before_it_is_sent(phone, open_activity, twelve_megapixels):
    original = twelve_megapixels.read_bytes()
    log_in(phone, "17000000101")
    check_in_with_photo(phone, open_activity, twelve_megapixels)

    assert phone.locator("#my-checkin h2").inner_text() == "已签到"
    checkin, upload = received(open_activity)
    image = Image.open(io.BytesIO(upload))
    # Turned upright on the phone (the sideways 4000 x 3000 becomes portrait), at the worker's size.
    assert image.format == "JPEG"
    assert image.size == (PHOTO_MAX_SIDE * 3 // 4, PHOTO_MAX_SIDE)
    assert len(upload) < len(original) / 5, f"{len(upload)} of {len(original)} bytes"
    # The canvas re-encode left the position and the camera on the phone.
    exif = image.getexif()
    assert ExifTags.Base.Make not in exif and ExifTags.IFD.GPSInfo not in exif
    print(f"sent {len(upload)} bytes for {len(original)}")

    assert kept_size(checkin) == (1200, 1600)


def test_without_javascript_the_original_photo_is_sent_and_the_check_in_recorded(
    no_script, open_activity, twelve_megapixels
):
    log_in(no_script, "17000000101")
    check_in_with_photo(no_script, open_activity, twelve_megapixels)

    checkin, upload = received(open_activity)
    assert upload == twelve_megapixels.read_bytes()
    # The server turns and shrinks it to the same photo the phone would have sent.
    assert kept_size(checkin) == (1200, 1600)


def test_a_photo_already_small_enough_is_sent_as_it_is(phone, open_activity, tmp_path):
    small = tmp_path / "small.jpg"
    small.write_bytes(phone_photo((800, 600)))
    log_in(phone, "17000000101")
    check_in_with_photo(phone, open_activity, small)

    assert received(open_activity)[1] == small.read_bytes()


def test_a_file_the_phone_cannot_decode_goes_as_it_is_and_the_server_refuses_it(phone, open_activity, tmp_path, media):
    fake = tmp_path / "IMG_0002.jpg"
    fake.write_bytes(b"not a photo at all " * 1000)
    log_in(phone, "17000000101")
    phone.goto(phone.base + f"/activities/mine/{open_activity.pk}/")
    phone.locator("#my-checkin details summary").click()
    phone.set_input_files("#my-checkin input[name=photo]", str(fake))
    phone.locator("#my-checkin details button[type=submit]").click()

    phone.get_by_text("该文件不是 JPEG、PNG 或 WebP 照片。").wait_for()
    assert not CheckIn.objects.filter(activity=open_activity).exists()
    assert [path for path in media.rglob("*") if path.is_file()] == []
