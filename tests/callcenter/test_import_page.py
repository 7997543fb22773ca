"""calls:import — supervisors upload a call log; the same service as `kefu import-calls`."""

from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.callcenter.models import CallRecord, ImportRun
from tests.callcenter.test_importers import BROKEN_LINES, GENERIC, GENERIC_MAP, QUEUE_LOG

URL = "/calls/import/"


def upload(client, name: str, content: bytes, **fields):
    return client.post(URL, {"file": SimpleUploadedFile(name, content), "encoding": "auto", **fields})


def test_supervisor_imports_a_queue_log_and_sees_each_refused_line(org, client):
    client.force_login(org.supervisor)
    response = upload(client, "queue_log", (QUEUE_LOG + BROKEN_LINES).encode(), fmt="queue_log")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="import-errors"' in html
    base = QUEUE_LOG.count("\n")
    for line_no in (base + 1, base + 3, base + 4, base + 6, base + 7):
        assert f'<tr><td class="nowrap">{line_no}</td>' in html
    assert CallRecord.objects.count() == 5
    run = ImportRun.objects.get()
    assert (run.file_name, run.by, run.error_count) == ("queue_log", org.supervisor, 5)
    upload(client, "queue_log", (QUEUE_LOG + BROKEN_LINES).encode(), fmt="queue_log")
    assert CallRecord.objects.count() == 5


def test_supervisor_imports_a_gbk_csv_with_a_mapping(org, client):
    client.force_login(org.supervisor)
    response = upload(client, "话单.csv", GENERIC.encode("gbk"), fmt="csv", mapping=GENERIC_MAP)
    assert response.status_code == 200
    assert CallRecord.objects.count() == 2


def test_a_mapping_to_a_missing_column_is_shown_at_the_field_and_stores_nothing(org, client):
    client.force_login(org.supervisor)
    response = upload(client, "c.csv", GENERIC.encode(), fmt="csv", mapping="arrival=开始时间,agent=工号")
    assert response.status_code == 400
    assert "工号" in response.content.decode()
    assert not ImportRun.objects.exists() and not CallRecord.objects.exists()


def test_agents_may_not_import_call_records(org, client):
    client.force_login(org.agent)
    assert client.get(URL).status_code == 403
    assert upload(client, "queue_log", QUEUE_LOG.encode(), fmt="queue_log").status_code == 403
    assert not CallRecord.objects.exists()


def test_the_nav_shows_the_import_link_to_supervisors_only(org, client):
    client.force_login(org.supervisor)
    assert URL in client.get("/").content.decode()
    client.force_login(org.agent)
    assert URL not in client.get("/").content.decode()
