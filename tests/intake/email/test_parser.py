"""The parser never crashes on mail-shaped bytes and strips quoted history the common mailers write."""

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kefu.intake.email.parser import (
    QUOTE_HEADERS,
    MailParseError,
    decode_bytes,
    decode_header_value,
    message_key,
    parse,
    strip_quoted,
)


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


# --- charsets: the declared charset wins when it decodes cleanly ----------------------------------


def test_declared_latin1_with_umlauts_is_read_as_latin1_not_as_chinese():
    text = "Grüße aus München: die Bestätigung für Ihre Bestellung fehlt."

    assert decode_bytes(text.encode("iso-8859-1"), "iso-8859-1") == text


def test_declared_windows_1252_short_words_stay_latin():
    assert decode_bytes("Jürgen Müller".encode("cp1252"), "windows-1252") == "Jürgen Müller"


def test_gbk_text_labelled_latin1_is_not_read_as_accented_latin():
    assert decode_bytes("内容其实是中文。".encode("gbk"), "iso-8859-1") == "内容其实是中文。"


def test_gb2312_label_reads_gbk_and_gb18030_characters_as_mail_clients_do():
    assert decode_bytes("王喆和刘堃😀".encode("gb18030"), "gb2312") == "王喆和刘堃😀"


@pytest.mark.parametrize(
    ("text", "charset"),
    [
        ("請問這個產品有保養嗎？", "big5"),
        ("退货申请，订单号 A1001。", "gb18030"),
        ("日本語のメールです。", "shift_jis"),
    ],
)
def test_a_declared_multibyte_charset_that_decodes_is_taken_as_declared(text, charset):
    assert decode_bytes(text.encode(charset), charset) == text


@pytest.mark.parametrize(
    ("data", "label", "text"),
    [
        (
            "标签说是 UTF-8，其实是 GBK 编码的正文。".encode("gbk"),
            "utf-8",
            "标签说是 UTF-8，其实是 GBK 编码的正文。",
        ),
        ("未知字符集标签的正文。".encode("gbk"), "x-no-such-charset", "未知字符集标签的正文。"),
        ("没有标签的正文。".encode("gbk"), None, "没有标签的正文。"),
        ("請問這個產品有保養嗎？".encode("big5"), None, "請問這個產品有保養嗎？"),
        (
            "Grüße aus München, die Bestätigung fehlt.".encode("latin1"),
            None,
            "Grüße aus München, die Bestätigung fehlt.",
        ),
        ("正文".encode("gbk"), "base64", "正文"),  # a codec that is not a charset is an unknown label
    ],
)
def test_a_wrong_unknown_or_missing_charset_is_detected(data, label, text):
    assert decode_bytes(data, label) == text


@pytest.mark.parametrize(
    ("text", "codec", "label"),
    [
        ("日本語のお問い合わせです。", "iso2022_jp", "ISO-2022-JP"),
        ("日本語のお問い合わせです。", "iso2022_jp", None),
        ("한국어 문의 메일입니다.", "iso2022_kr", "ISO-2022-KR"),
        ("한국어 문의 메일입니다.", "iso2022_kr", None),
        ("中文邮件", "hz", "HZ-GB-2312"),
        ("中文邮件", "utf-7", "utf-7"),
    ],
)
def test_escape_based_charsets_are_decoded_declared_or_not(text, codec, label):
    assert decode_bytes(text.encode(codec), label) == text


@pytest.mark.parametrize("label", ["utf-8", None])
def test_utf8_with_a_broken_character_keeps_the_rest_readable(label):
    data = "你好，我的快递单号 SF123 三天没到，请帮忙查询。Grüße!".encode()
    data = data[:20] + data[21:]  # one byte of 递 lost on the way

    assert decode_bytes(data, label) == "你好，我的快\ufffd单号 SF123 三天没到，请帮忙查询。Grüße!"


def test_ascii_text_with_a_few_gbk_characters_labelled_utf8_is_not_taken_for_broken_utf8():
    text = "Order 4711, customer " + "王喆" + ", please call back before Friday."

    assert decode_bytes(text.encode("gbk"), "utf-8") == text


def test_seven_bit_escape_codes_labelled_us_ascii_are_detected():
    assert decode_bytes("お問い合わせ".encode("iso2022_jp"), "us-ascii") == "お問い合わせ"


def test_encoded_words_follow_the_same_rules():
    japanese = f"=?ISO-2022-JP?B?{base64.b64encode('お問い合わせ'.encode('iso2022_jp')).decode()}?="

    assert decode_header_value("=?iso-8859-1?Q?Best=E4tigung?=") == "Bestätigung"
    assert decode_header_value(japanese) == "お問い合わせ"


def _mail(head: bytes, body: bytes = b"hello", charset: bytes = b"utf-8") -> bytes:
    return head + b"\r\nContent-Type: text/plain; charset=" + charset + b"\r\n\r\n" + body


def test_raw_8bit_headers_are_read_in_the_body_charset():
    raw = _mail(
        b"From: J\xfcrgen M\xfcller <jm@example.de>\r\nSubject: Best\xe4tigung fehlt",
        "Die Bestätigung fehlt.".encode("latin1"),
        b"iso-8859-1",
    )
    parsed = parse(raw)

    assert (parsed.subject, parsed.from_name, parsed.text) == (
        "Bestätigung fehlt",
        "Jürgen Müller",
        "Die Bestätigung fehlt.",
    )


# --- headers as mail clients read them -----------------------------------------------------------


def test_a_mail_without_from_is_from_its_reply_to():
    parsed = parse(_mail(b"Reply-To: Kunde <kunde@example.de>\r\nSender: robot@example.de\r\nSubject: x"))

    assert (parsed.from_name, parsed.from_address) == ("Kunde", "kunde@example.de")


def test_an_empty_from_without_reply_to_is_from_the_sender():
    parsed = parse(_mail(b"From: \r\nSender: Service Desk <desk@example.de>\r\nSubject: x"))

    assert parsed.from_address == "desk@example.de"


def test_of_two_from_headers_the_first_with_an_address_wins():
    parsed = parse(_mail(b"From: undisclosed sender\r\nFrom: Wang <wang@example.cn>\r\nSubject: x"))

    assert (parsed.from_name, parsed.from_address) == ("Wang", "wang@example.cn")


def test_of_two_valid_from_headers_the_first_wins():
    parsed = parse(_mail(b"From: first@example.cn\r\nFrom: second@example.cn\r\nSubject: x"))

    assert parsed.from_address == "first@example.cn"


def test_reply_to_is_kept_beside_the_sender():
    parsed = parse(_mail(b"From: a@example.cn\r\nReply-To: =?utf-8?B?5byg?= <B@Example.cn>, c@example.cn"))

    assert (parsed.from_address, parsed.reply_to) == ("a@example.cn", "b@example.cn")


# --- lines before the headers --------------------------------------------------------------------


@pytest.mark.parametrize(
    "preamble",
    [
        b"From customer@example.com Sun Nov 22 08:00:00 2026\r\n",
        b">From customer@example.com Sun Nov 22 08:00:00 2026\r\n",
        b"\r\n\r\n",
        b"Forwarded by the front desk, see below\r\nNote: urgent\r\n\r\n",
    ],
)
def test_lines_before_the_headers_are_skipped(preamble):
    parsed = parse(
        preamble + _mail(b"From: kunde@example.de\r\nSubject: Hilfe\r\nMessage-ID: <p@example.de>")
    )

    assert (parsed.from_address, parsed.subject, parsed.text, parsed.message_id) == (
        "kunde@example.de",
        "Hilfe",
        "hello",
        "<p@example.de>",
    )


def test_message_key_is_the_message_id_parse_gives():
    with_id = b"stray\r\nFrom: a@example.cn\r\nMessage-ID:\r\n <folded@example.cn>\r\n\r\nx"
    without = b"From: a@example.cn\r\nSubject: no id\r\n\r\nx"

    assert message_key(with_id) == parse(with_id).message_id == "<folded@example.cn>"
    assert message_key(without) == parse(without).message_id


# --- quote headers, per client -------------------------------------------------------------------

QUOTES = {
    "Outlook (en)": [
        "-----Original Message-----\nFrom: Service\nSent: Sunday\n旧内容",
        "From: Service <s@kefu.test>\nSent: Sunday, November 22, 2026 9:30 AM\nTo: a@b\nSubject: x\n旧内容",
    ],
    "Outlook, Outlook on the web": ["________________________________\nFrom: Service\nSent: Sunday\n旧内容"],
    "Outlook (de)": [
        "-----Ursprüngliche Nachricht-----\nVon: Service\nGesendet: Sonntag\n旧内容",
        "Von: Service <s@kefu.test>\nGesendet: Sonntag, 22. November 2026 09:30\nAn: a@b\nBetreff: x\n旧内容",
    ],
    "Outlook (zh-CN)": [
        "-----原始邮件-----\n发件人: a\n旧内容",
        "发件人：客服中心\n发送时间：2026-11-22\n收件人：a@b\n主题：x\n\n旧内容",
    ],
    "Outlook (zh-TW)": [
        "-----原始郵件-----\n寄件者: a\n旧内容",
        "寄件者: 客服中心\n寄件日期: 2026年11月22日\n收件者: a@b\n主旨: x\n旧内容",
    ],
    "Foxmail": ["发件人：客服中心\n发送时间：2026-11-22 10:00\n收件人：a@b\n主题：x\n\n旧内容"],
    "QQ Mail": [
        '------------------ 原始邮件 ------------------\n发件人: "客服中心"<s@kefu.test>;\n旧内容',
        "------------------ 回复邮件 ------------------\n旧内容",
    ],
    "NetEase (163, 126)": [
        '在 2026-11-22 09:30:00，"客服中心" <s@kefu.test> 写道：\n> 旧内容',
        "在 2026年11月22日 09:30，客服 写道：\n> 旧内容",
    ],
    "Gmail (en)": [
        "On Sun, Nov 22, 2026 at 9:30 AM Service <s@kefu.test> wrote:\n> 旧内容",
        "On Sun, Nov 22, 2026 at 9:30 AM Service <s@kefu.test>\nwrote:\n> 旧内容",
        "---------- Forwarded message ---------\nFrom: Service\n旧内容",
    ],
    "Gmail (de)": [
        "Am So., 22. Nov. 2026 um 09:30 Uhr schrieb Service <s@kefu.test>:\n> 旧内容",
        "---------- Weitergeleitete Nachricht ---------\nVon: Service\n旧内容",
    ],
    "Gmail (zh-CN)": ["客服中心 <s@kefu.test> 于2026年11月22日周日 09:30写道：\n> 旧内容"],
    "Apple Mail (en)": ["On Nov 22, 2026, at 09:30, Service <s@kefu.test> wrote:\n\n> 旧内容"],
    "Apple Mail (de)": ["Am 22.11.2026 um 09:30 schrieb Service <s@kefu.test>:\n\n> 旧内容"],
    "Apple Mail (zh-CN)": ["2026年11月22日 09:30，客服中心 <s@kefu.test> 写道：\n\n> 旧内容"],
    "Thunderbird (en)": ["On 22/11/2026 09:30, Service wrote:\n> 旧内容"],
    "Thunderbird (de)": [
        "Am 22.11.26 um 09:30 schrieb Service:\n> 旧内容",
        "Service schrieb am 22.11.2026 09:30:\n> 旧内容",
    ],
}


def test_every_client_of_the_quote_table_has_samples():
    assert {q.client for q in QUOTE_HEADERS} == set(QUOTES)


@pytest.mark.parametrize(
    ("client", "history"), [(client, h) for client, samples in QUOTES.items() for h in samples]
)
def test_each_clients_quote_header_is_cut(client, history):
    assert strip_quoted(f"新内容\n第二行\n\n{history}") == "新内容\n第二行", client


@pytest.mark.parametrize(
    "text",
    [
        "From: the shop on Nanjing Road, I bought a kettle.\nIt leaks.",
        "Von: meinem Nachbarn habe ich gehört, dass es geht.\nDanke.",
        "Am Montag war ich im Laden.\nNiemand half mir.",
        "On Monday I called twice.\nNobody answered.",
    ],
)
def test_the_customers_own_words_that_look_like_quote_headers_are_kept(text):
    assert strip_quoted(text) == text
