import pytest
from django.contrib import admin
from django.urls import reverse

from activities.models import Activity, Attendance, CheckIn, Leave, MaterialDelivery, Report, StudyMaterial
from activities.tests.factories import ActivityFactory, MaterialFactory
from branches.models import Organization, Role, SweepStatus
from branches.tests.factories import GroupFactory, RoleFactory
from members.models import Contact, Invitation, Member, MemberChange, RosterImport, SignupRequest, User, Visit
from members.tests.factories import InvitationFactory, MemberFactory, UserFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db

MODELS = [
    Organization,
    Role,
    SweepStatus,
    User,
    Member,
    Invitation,
    SignupRequest,
    Activity,
    StudyMaterial,
    CheckIn,
    Leave,
    Attendance,
    MaterialDelivery,
    Notification,
    Report,
    MemberChange,
    Contact,
    Visit,
    RosterImport,
]


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser(phone="13900139000", password="admin-pass-123"))
    return client


@pytest.fixture
def data(branch_a, secretary, member):
    group = GroupFactory(parent=branch_a)
    MemberFactory.create_batch(5, organization=branch_a, group=group)
    RoleFactory(organization=group, kind=Role.Kind.GROUP_ADMIN)
    invitation = InvitationFactory(organization=branch_a)
    SignupRequest.objects.create(user=UserFactory(), invitation=invitation, organization=branch_a, name="申请人")
    SweepStatus.objects.create(name="heartbeat")
    activity = ActivityFactory(organization=branch_a)
    material = MaterialFactory()
    activity.materials.add(material)
    when = activity.opens_at
    CheckIn.objects.create(member=member, activity=activity, checked_in_at=when)
    Leave.objects.create(member=member, activity=activity, reason="值班")
    Attendance.objects.create(member=member, activity=activity, outcome="attended", recorded_at=when)
    MaterialDelivery.objects.create(member=member, material=material, delivered_at=when)
    Notification.objects.create(member=member, kind="test", key="test:1", title="通知")
    Report.objects.create(member=member, title="三季度思想汇报", body="正文")
    MemberChange.objects.create(member=member, action="updated", changes={"city": ["成都", "昆明"]})
    Contact.objects.create(member=member, note="电话联系")
    Visit.objects.create(member=member, visited_on=when.date(), help_given="慰问金")
    RosterImport.objects.create(organization=branch_a, filename="名册.xlsx", file="imports/x.xlsx")


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_has_a_searchable_admin_changelist(superuser_client, data, model):
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields or model is SweepStatus
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert superuser_client.get(url, {"q": "a"}).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_change_page_opens(superuser_client, data, model):
    obj = model.objects.first()
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk])
    assert superuser_client.get(url).status_code == 200


def test_the_member_list_masks_phones(superuser_client, data, member):
    body = superuser_client.get(reverse("admin:members_member_changelist")).content.decode()
    assert member.masked_phone in body
    assert member.phone not in body


@pytest.mark.parametrize("size", [3, 40])
def test_member_changelist_query_count_is_bounded(superuser_client, branch_a, size, django_assert_max_num_queries):
    MemberFactory.create_batch(size, organization=branch_a, group=GroupFactory(parent=branch_a))
    with django_assert_max_num_queries(12):
        assert superuser_client.get(reverse("admin:members_member_changelist")).status_code == 200


def test_the_admin_adds_a_member_through_model_validation(superuser_client, branch_a):
    response = superuser_client.post(
        reverse("admin:members_member_add"),
        {
            "name": "李四",
            "gender": "M",
            "phone": "12345",
            "joined_party_on": "2010-07-01",
            "status": "full",
            "organization": branch_a.pk,
            "state": "active",
        },
    )
    assert response.status_code == 200
    assert "phone" in response.context["adminform"].form.errors
    assert not Member.objects.exists()


def test_non_staff_users_cannot_open_the_admin(client, member):
    client.force_login(member.user)
    response = client.get(reverse("admin:members_member_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
