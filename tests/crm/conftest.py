import pytest

from kefu.notify.models import MessageTemplate, TemplateChannel, TemplateKind
from kefu.notify.sms import backends
from tests.org import build_org


@pytest.fixture(autouse=True)
def _care_settings(settings):
    settings.KEFU_SMS_BACKEND = "kefu.notify.sms.backends.LocmemBackend"
    settings.KEFU_SMS_SIGN_NAME = "客服中心"
    settings.KEFU_SMS_QUIET_HOURS = "21:00-08:00"
    backends.outbox.clear()
    yield
    backends.outbox.clear()


@pytest.fixture
def sms_outbox():
    return backends.outbox


@pytest.fixture
def org(db):
    return build_org()


@pytest.fixture
def greeting(db):
    return MessageTemplate.objects.create(
        name="生日祝福",
        kind=TemplateKind.FREE,
        channel=TemplateChannel.SMS,
        body="{customer_name}您好，祝您{occasion}快乐！",
    )


@pytest.fixture
def reminder(db):
    return MessageTemplate.objects.create(
        name="续费提醒",
        kind=TemplateKind.FREE,
        channel=TemplateChannel.SMS,
        body="{customer_name}您好，您的{contract}将于{expires_on}到期。",
    )
