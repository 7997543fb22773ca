"""Uploads are judged by their content (core/uploads.py): an .exe renamed .pdf is refused, in plain
words naming the file and what may be sent — on the capture page, the work-order page and the portal."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import translation
from tests.org import build_org

from kefu.core.errors import ValidationError
from kefu.core.uploads import check_upload
from kefu.tickets.models import Attachment, Ticket

EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + b"\x00" * 48
    + b"PE\x00\x00"
    + b"\x00" * 64
)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("发票.pdf", PDF, "application/pdf"),
        ("照片.jpg", PNG, "image/png"),  # a picture under the wrong name is still a picture
        ("合同.docx", docx(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("说明.txt", "请尽快处理，谢谢".encode("gb18030"), "text/plain"),
        ("清单.csv", "名称,数量\n电饭煲,1\n".encode(), "text/plain"),
    ],
)
def test_accepted_kinds_are_read_from_the_content(name, content, mime):
    assert check_upload(upload(name, content, "application/octet-stream")).mime == mime


@pytest.mark.parametrize(
    ("name", "content", "english", "chinese"),
    [
        ("发票.pdf", EXE, "“发票.pdf” is a .exe program file", "“发票.pdf”实为 .exe 程序文件"),
        ("run.sh", b"rm -rf /\n", "“run.sh” is a .sh file", "“run.sh”实为 .sh 文件"),
        (
            "blob.pdf",
            b"\x00\x01\x02\x03" * 8,
            "a file of a kind Kefu does not recognise",
            "“blob.pdf”类型无法识别",
        ),
        ("empty.pdf", b"", "“empty.pdf” is an empty file", "“empty.pdf”是空文件"),
    ],
)
def test_refusals_name_the_file_what_it_is_and_what_may_be_sent(name, content, english, chinese):
    for language, said, allowed in (
        ("en", english, "You can upload pictures, PDF, Office documents"),
        ("zh-hans", chinese, "可上传图片、PDF、Office 文档"),
    ):
        with translation.override(language), pytest.raises(ValidationError) as refused:
            check_upload(upload(name, content))
        message = refused.value.errors["attachment"][0]
        assert said in message and allowed in message, message
        assert "application/" not in message


@pytest.fixture
def org(db):
    return build_org()


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_capture_page_refuses_an_exe_renamed_pdf_and_saves_nothing(org):
    from tests.web.test_capture import form_data

    bad = upload("发票.pdf", EXE)
    response = signed_in(org.agent).post("/tickets/new/", {**form_data(), "attachments": [bad]})
    assert response.status_code == 400
    assert "“发票.pdf”实为 .exe 程序文件，不能上传。可上传图片、PDF" in response.content.decode()
    assert not Ticket.objects.exists() and not Attachment.objects.exists()


def test_the_work_order_page_stores_the_kind_read_from_the_content(org):
    from tests.web.conftest import make_ticket

    ticket = make_ticket(org, accept=True)
    client = signed_in(org.agent)
    client.post(f"/tickets/{ticket.number}/attachments/", {"attachments": [upload("scan.pdf", PNG)]})
    assert ticket.attachments.get().content_type == "image/png"
    response = client.post(f"/tickets/{ticket.number}/attachments/", {"attachments": [upload("a.pdf", EXE)]})
    assert response.status_code == 400
    assert "“a.pdf”实为 .exe 程序文件" in response.content.decode()
    assert ticket.attachments.count() == 1


def test_the_portal_refuses_an_exe_renamed_pdf_at_the_field(org):
    from tests.intake.portal.test_portal import form

    response = Client().post("/portal/", {**form(), "attachments": [upload("发票.pdf", EXE)]})
    assert response.status_code == 400
    assert re.search(
        r'id="field-attachments">.*?“发票.pdf”实为 .exe 程序文件', response.content.decode(), re.S
    )
    assert not Ticket.objects.exists()
