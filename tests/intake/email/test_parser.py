"""The parser never crashes on mail-shaped bytes and strips quoted history the common mailers write."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.intake.email.parser import MailParseError, decode_bytes, parse, strip_quoted


@settings(max_examples=200, deadline=None)
@given(
    header=st.binary(max_size=200),
    body=st.binary(max_size=400),
    charset=st.sampled_from(["utf-8", "gb2312", "big5", "x-bogus", ""]),
)
def test_parsing_arbitrary_bytes_after_a_header_never_raises(header, body, charset):
    raw = (
        b"Subject: "
        + header
        + b"\r\nContent-Type: text/plain; charset="
        + charset.encode()
        + b"\r\n\r\n"
        + body
    )
    parsed = parse(raw)
    assert parsed.message_id.startswith("<")


def test_bytes_without_headers_are_refused_as_unreadable():
    with pytest.raises(MailParseError):
        parse(b"   ")


@pytest.mark.parametrize(
    ("data", "label", "text"),
    [
        ("王喆".encode("gbk"), "gb2312", "王喆"),
        ("😀".encode("gb18030"), "gbk", "😀"),
        ("產品".encode("big5"), None, None),  # unlabelled Big5 may read as GB18030; it must not raise
        ("中文".encode(), "iso-8859-1", "中文"),
        ("中文".encode("gbk"), "us-ascii", "中文"),
    ],
)
def test_mislabelled_and_unlabelled_chinese_decodes(data, label, text):
    decoded = decode_bytes(data, label)
    if text is not None:
        assert decoded == text


@pytest.mark.parametrize(
    "history",
    [
        "-----原始邮件-----\n发件人: a\n旧内容",
        "-----Original Message-----\nFrom: a\n旧内容",
        "------------------ 原始邮件 ------------------\n旧内容",
        "在 2026年11月22日 09:30，客服 写道：\n> 旧内容",
        "2026-11-22 09:30 客服中心 <s@kefu.test> 写道：\n旧内容",
        "On Sun, Nov 22, 2026 at 9:30 AM Service <s@kefu.test>\nwrote:\n> 旧内容",
        "发件人：客服中心\n发送时间：2026-11-22\n收件人：a@b\n主题：x\n\n旧内容",
        "________________________________\nFrom: Service\nSent: Sunday\nTo: a@b\n旧内容",
        "> 旧内容\n> 更旧",
    ],
)
def test_quoted_history_is_stripped(history):
    assert strip_quoted(f"新内容\n\n{history}") == "新内容"


def test_a_from_line_in_the_customers_own_words_is_kept():
    text = "From: the shop on Nanjing Road, I bought a kettle.\nIt leaks."
    assert strip_quoted(text) == text


def _with_image(content_id: bytes, filename: bytes) -> bytes:
    return (
        b'From: a@example.com\r\nContent-Type: multipart/related; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"
        b"--B\r\nContent-Type: image/png\r\nContent-ID: " + content_id + b"\r\n"
        b"Content-Disposition: inline; filename=" + filename + b"\r\n\r\nxx\r\n--B--\r\n"
    )


def test_an_unencoded_8bit_content_id_is_decoded_like_the_other_headers():
    (image,) = parse(_with_image("<图1@example.com>".encode(), b'"a.png"')).attachments

    assert image.content_id == "图1@example.com"


def test_an_unclosed_quote_around_a_filename_is_not_kept_in_the_name():
    (image,) = parse(_with_image(b"<x@example.com>", b'"scratch.png')).attachments

    assert image.filename == "scratch.png"
