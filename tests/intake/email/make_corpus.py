"""Writes the mail corpus (corpus/*.eml) and what ingesting it must give (corpus/expected.json).

    uv run python tests/intake/email/make_corpus.py

The .eml files are committed; this script is how they were made (byte by byte, so that broken
and mislabelled mail stays broken). Cases are ingested in file-name order by one mailbox of type
consultation on 2026-11-22, so the n-th new work order is ZX-20261122-000n.

expected.json, per file: subject, from (address), text_has / text_not (snippets of the stored text),
html_not (of the stored HTML), attachments (names kept), skipped (names refused), is_auto,
thread ("new" or the file whose work order it joins), duplicate (the same Message-ID as an earlier file),
reply_to (the answer address kept beside the sender, "" when there is none or it is the sender).
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent / "corpus"
DAY = "20261122"
CASES: list[dict] = []
NUMBERS: dict[str, str] = {}
IDS: dict[str, str] = {}


def bw(text: str, charset: str = "utf-8") -> str:
    return f"=?{charset}?B?{base64.b64encode(text.encode(charset)).decode()}?="


def qw(text: str, charset: str = "utf-8") -> str:
    data = binascii.b2a_qp(text.encode(charset), header=True).decode().replace("\n", "")
    return f"=?{charset}?Q?{data}?="


def b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def headers(
    name: str,
    *,
    frm: str | bytes | None,
    subject: str | bytes | None,
    extra: list[str] = (),
    msgid: str | None = "",
    date: str | None = "Sun, 22 Nov 2026 09:00:00 +0800",
    to: str = "service@kefu.test",
) -> bytes:
    lines: list[bytes] = []
    if msgid == "":
        msgid = f"<{name}@mail.example.com>"
    if msgid:
        IDS[name] = msgid
        lines.append(f"Message-ID: {msgid}".encode())
    if date:
        lines.append(f"Date: {date}".encode())
    if frm is not None:  # None: a mail without From
        lines.append(b"From: " + (frm.encode("utf-8") if isinstance(frm, str) else frm))
    lines.append(f"To: {to}".encode())
    if subject is not None:
        lines.append(b"Subject: " + (subject.encode("utf-8") if isinstance(subject, str) else subject))
    lines.append(b"MIME-Version: 1.0")
    lines += [x.encode("utf-8") if isinstance(x, str) else x for x in extra]
    return b"\r\n".join(lines) + b"\r\n"


def text_part(
    text: str,
    charset: str = "utf-8",
    cte: str = "base64",
    ctype: str = "text/plain",
    label: str | None = None,
    extra: str = "",
) -> bytes:
    label = charset if label is None else label
    param = f"; charset={label}" if label else ""
    data = text.encode(charset)
    body = b64(data) if cte == "base64" else data.replace(b"\n", b"\r\n")
    return f"Content-Type: {ctype}{param}\r\nContent-Transfer-Encoding: {cte}\r\n{extra}\r\n".encode() + body


def multipart(subtype: str, boundary: str, parts: list[bytes], extra: str = "") -> bytes:
    out = f'Content-Type: multipart/{subtype}; boundary="{boundary}"{extra}\r\n\r\nThis is a multi-part message.\r\n'.encode()
    for part in parts:
        out += f"--{boundary}\r\n".encode() + part + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


def attachment(data: bytes, ctype: str, disposition: str, *, content_id: str = "") -> bytes:
    cid = f"Content-ID: <{content_id}>\r\n" if content_id else ""
    return (
        f"Content-Type: {ctype}\r\nContent-Transfer-Encoding: base64\r\n{cid}"
        f"Content-Disposition: {disposition}\r\n\r\n"
    ).encode() + b64(data)


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def case(
    name: str,
    raw: bytes,
    *,
    subject: str | None,
    frm: str,
    text_has=(),
    text_not=(),
    html_not=(),
    attachments=(),
    skipped=(),
    is_auto=False,
    thread="new",
    duplicate=False,
    reply_to="",
):
    index = len(CASES) + 1
    filename = f"{index:03d}-{name}.eml"
    if thread == "new" and not duplicate:
        NUMBERS[name] = f"ZX-{DAY}-{len(NUMBERS) + 1:04d}"
    CASES.append(
        {
            "file": filename,
            "name": name,
            "raw": raw,
            "subject": subject,
            "from": frm,
            "text_has": list(text_has),
            "text_not": list(text_not),
            "html_not": list(html_not),
            "attachments": sorted(attachments),
            "skipped": sorted(skipped),
            "is_auto": is_auto,
            "thread": thread,
            "duplicate": duplicate,
            "reply_to": reply_to,
        }
    )


def build() -> None:  # noqa: PLR0915 — one case after another
    # --- charsets ---------------------------------------------------------------------------------
    case(
        "utf8-plain",
        headers("utf8-plain", frm=f"{bw('张三')} <zhangsan@example.com>", subject=bw("快递三天没到"))
        + text_part("你好，我的快递单号 SF123 三天没到，请帮忙查询。\n\n张三"),
        subject="快递三天没到",
        frm="zhangsan@example.com",
        text_has=["SF123 三天没到"],
    )
    case(
        "gb2312-base64",
        headers(
            "gb2312-base64", frm=f"{bw('李四', 'gb2312')} <lisi@example.cn>", subject=bw("退货申请", "gb2312")
        )
        + text_part("我要退货，订单号 A1001。", "gb2312"),
        subject="退货申请",
        frm="lisi@example.cn",
        text_has=["订单号 A1001"],
    )
    case(
        "gb2312-label-gbk-body",
        headers(
            "gb2312-label-gbk-body",
            frm="wangzhe@example.cn",
            subject=bw("王喆的投诉", "gbk").replace("gbk", "gb2312"),
        )
        + text_part("我是王喆，和刘堃一起投诉：服务态度差。", "gbk", cte="8bit", label="gb2312"),
        subject="王喆的投诉",
        frm="wangzhe@example.cn",
        text_has=["王喆", "刘堃", "服务态度差"],
    )
    case(
        "gb2312-label-gb18030-body",
        headers("gb2312-label-gb18030-body", frm="emoji@example.cn", subject=bw("表扬一下"))
        + text_part("服务很好😀，点赞䶮。", "gb18030", label="GB2312"),
        subject="表扬一下",
        frm="emoji@example.cn",
        text_has=["服务很好😀", "点赞䶮"],
    )
    case(
        "big5",
        headers("big5", frm=f"{bw('陳大文', 'big5')} <chan@example.hk>", subject=bw("產品諮詢", "big5"))
        + text_part("請問這個產品有保養嗎？", "big5"),
        subject="產品諮詢",
        frm="chan@example.hk",
        text_has=["產品有保養"],
    )
    case(
        "unlabelled-gbk-body",
        headers("unlabelled-gbk-body", frm="nolabel@example.cn", subject=bw("没有字符集"))
        + text_part("正文没有标注字符集，是 GBK 编码。", "gbk", cte="8bit", label=""),
        subject="没有字符集",
        frm="nolabel@example.cn",
        text_has=["GBK 编码"],
    )
    case(
        "unlabelled-utf8-raw-headers",
        headers("unlabelled-utf8-raw-headers", frm="赵六 <zhaoliu@example.com>", subject="原始 UTF-8 主题")
        + text_part("头部和正文都是未编码的 UTF-8。", "utf-8", cte="8bit", label=""),
        subject="原始 UTF-8 主题",
        frm="zhaoliu@example.com",
        text_has=["未编码的 UTF-8"],
    )
    case(
        "raw-gbk-headers",
        headers(
            "raw-gbk-headers",
            frm="钱七 <qianqi@example.cn>".encode("gbk"),
            subject="主题是原始GBK字节".encode("gbk"),
        )
        + text_part("正文 GBK。", "gbk"),
        subject="主题是原始GBK字节",
        frm="qianqi@example.cn",
        text_has=["正文 GBK"],
    )
    wrong = "=?utf-8?B?" + base64.b64encode("标签写错了".encode("gbk")).decode() + "?="
    case(
        "subject-label-utf8-really-gbk",
        headers("subject-label-utf8-really-gbk", frm="wrong@example.cn", subject=wrong)
        + text_part("主题标签说 utf-8，其实是 GBK。", "utf-8"),
        subject="标签写错了",
        frm="wrong@example.cn",
        text_has=["其实是 GBK"],
    )
    unknown = "=?x-unknown-charset?B?" + base64.b64encode("未知字符集".encode()).decode() + "?="
    case(
        "unknown-charset-label",
        headers("unknown-charset-label", frm="unknown@example.com", subject=unknown)
        + text_part("未知的字符集标签。", "utf-8", label="x-unknown-charset"),
        subject="未知字符集",
        frm="unknown@example.com",
        text_has=["未知的字符集标签"],
    )
    whole = "售后服务".encode()
    split = f"=?utf-8?B?{base64.b64encode(whole[:4]).decode()}?=\r\n =?utf-8?B?{base64.b64encode(whole[4:]).decode()}?="
    case(
        "encoded-word-split-char",
        headers("encoded-word-split-char", frm="split@example.com", subject=split)
        + text_part("一个汉字被拆在两个编码字里。"),
        subject="售后服务",
        frm="split@example.com",
        text_has=["拆在两个编码字里"],
    )
    case(
        "q-encoded-gb2312",
        headers(
            "q-encoded-gb2312",
            frm=f'"{qw("孙八", "gb2312")}" <sunba@example.cn>',
            subject=qw("发票 问题", "gb2312"),
        )
        + text_part("发票抬头错了。", "gb2312", cte="quoted-printable"),
        subject="发票 问题",
        frm="sunba@example.cn",
        text_has=[],
    )
    case(
        "from-address-only",
        headers("from-address-only", frm="onlyaddress@example.com", subject="Order status")
        + text_part("Where is my order 7788?", "us-ascii", cte="7bit"),
        subject="Order status",
        frm="onlyaddress@example.com",
        text_has=["order 7788"],
    )
    case(
        "no-message-id",
        headers("no-message-id", frm="noid@example.com", subject=bw("没有邮件编号"), msgid=None)
        + text_part("这封邮件没有 Message-ID。"),
        subject="没有邮件编号",
        frm="noid@example.com",
        text_has=["没有 Message-ID"],
    )
    case(
        "bad-date",
        headers("bad-date", frm="baddate@example.com", subject="Bad date", date="tomorrow at noon")
        + text_part("Date header is nonsense.", "us-ascii", cte="7bit"),
        subject="Bad date",
        frm="baddate@example.com",
        text_has=["nonsense"],
    )
    case(
        "no-subject-no-date",
        headers("no-subject-no-date", frm="nosubject@example.com", subject=None, date=None)
        + text_part("没有主题，也没有日期。"),
        subject="",
        frm="nosubject@example.com",
        text_has=["没有主题"],
    )
    case(
        "from-without-brackets",
        headers("from-without-brackets", frm="周九 zhoujiu@example.com", subject=bw("格式错误的发件人"))
        + text_part("发件人头没有尖括号。"),
        subject="格式错误的发件人",
        frm="zhoujiu@example.com",
        text_has=["没有尖括号"],
    )
    # --- structure --------------------------------------------------------------------------------
    case(
        "alternative-utf8",
        headers("alternative-utf8", frm="alt@example.com", subject=bw("会员积分"), extra=[])
        + multipart(
            "alternative",
            "ALT1",
            [
                text_part("积分没有到账（纯文本）。"),
                text_part(
                    "<html><body><p>积分<b>没有到账</b>（HTML）。</p></body></html>", ctype="text/html"
                ),
            ],
        ),
        subject="会员积分",
        frm="alt@example.com",
        text_has=["积分没有到账（纯文本）"],
        text_not=["（HTML）"],
    )
    case(
        "alternative-gbk-qp",
        headers("alternative-gbk-qp", frm="altgbk@example.cn", subject=bw("停车收费", "gbk"))
        + multipart(
            "alternative",
            "ALT2",
            [
                text_part("停车场多收了十元。", "gbk", cte="quoted-printable"),
                text_part("<p>停车场多收了十元。</p>", "gbk", cte="quoted-printable", ctype="text/html"),
            ],
        ),
        subject="停车收费",
        frm="altgbk@example.cn",
        text_has=[],
    )
    case(
        "html-only-script",
        headers("html-only-script", frm="html@example.com", subject=bw("网页版邮件"))
        + text_part(
            '<html><head><style>p{color:red}</style><script>alert("x")</script></head><body>'
            '<p onclick="steal()">请<a href="javascript:alert(1)">点这里</a>查看</p>'
            '<p>门店地址：南京路 100 号</p><iframe src="http://evil.example"></iframe></body></html>',
            ctype="text/html",
        ),
        subject="网页版邮件",
        frm="html@example.com",
        text_has=["门店地址：南京路 100 号", "点这里"],
        text_not=["alert", "color:red"],
        html_not=["<script", "onclick", "javascript:", "<iframe", "<style"],
    )
    case(
        "html-only-meta-charset",
        headers("html-only-meta-charset", frm="meta@example.cn", subject=bw("网页字符集"))
        + text_part(
            '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"></head>'
            "<body>字符集写在 meta 里。</body></html>",
            "gbk",
            cte="8bit",
            ctype="text/html",
            label="",
        ),
        subject="网页字符集",
        frm="meta@example.cn",
        text_has=["字符集写在 meta 里"],
    )
    case(
        "related-inline-image",
        headers("related-inline-image", frm="inline@example.com", subject=bw("损坏照片"))
        + multipart(
            "related",
            "REL1",
            [
                text_part('<p>包装破损，见图：</p><img src="cid:photo1@example.com">', ctype="text/html"),
                attachment(PNG, 'image/png; name="photo.png"', "inline", content_id="photo1@example.com"),
            ],
            extra='; type="text/html"',
        ),
        subject="损坏照片",
        frm="inline@example.com",
        text_has=["包装破损"],
        attachments=["photo.png"],
    )
    nested = multipart(
        "mixed",
        "MIX1",
        [
            multipart(
                "alternative",
                "ALT3",
                [
                    text_part("请看附件中的合同。"),
                    multipart(
                        "related",
                        "REL2",
                        [
                            text_part('<p>请看附件中的合同。</p><img src="cid:logo">', ctype="text/html"),
                            attachment(PNG, "image/png", 'inline; filename="logo.png"', content_id="logo"),
                        ],
                    ),
                ],
            ),
            attachment(PDF, "application/pdf", "attachment; filename*=UTF-8''%E5%90%88%E5%90%8C.pdf"),
        ],
    )
    case(
        "nested-mixed-alternative-related",
        headers("nested-mixed-alternative-related", frm="nested@example.com", subject=bw("合同附件"))
        + nested,
        subject="合同附件",
        frm="nested@example.com",
        text_has=["请看附件中的合同"],
        attachments=["合同.pdf", "logo.png"],
    )
    case(
        "outlook-2047-filename",
        headers("outlook-2047-filename", frm="outlook@example.cn", subject=bw("发票扫描件", "gb2312"))
        + multipart(
            "mixed",
            "MIX2",
            [
                text_part("发票扫描件见附件。", "gb2312"),
                attachment(
                    PDF,
                    f'application/pdf; name="{bw("发票.pdf", "gb2312")}"',
                    f'attachment; filename="{bw("发票.pdf", "gb2312")}"',
                ),
            ],
        ),
        subject="发票扫描件",
        frm="outlook@example.cn",
        text_has=["发票扫描件见附件"],
        attachments=["发票.pdf"],
    )
    raw_name = (
        b'Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment; filename="'
        + "报价单.pdf".encode("gbk")
        + b'"\r\n\r\n'
        + b64(PDF)
    )
    case(
        "raw-gbk-filename",
        headers("raw-gbk-filename", frm="rawname@example.cn", subject=bw("报价单"))
        + multipart("mixed", "MIX3", [text_part("附件名是原始 GBK 字节。"), raw_name]),
        subject="报价单",
        frm="rawname@example.cn",
        text_has=["原始 GBK 字节"],
        attachments=["报价单.pdf"],
    )
    encoded = "".join(f"%{b:02X}" for b in "维修记录表.xlsx".encode("gbk"))
    cont = f"attachment;\r\n filename*0*=gbk''{encoded[:24]};\r\n filename*1*={encoded[24:]}"
    case(
        "rfc2231-continuation-gbk",
        headers("rfc2231-continuation-gbk", frm="rfc2231@example.cn", subject=bw("维修记录"))
        + multipart(
            "mixed",
            "MIX4",
            [
                text_part("维修记录见表格。"),
                attachment(
                    b"PK\x03\x04fake",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    cont,
                ),
            ],
        ),
        subject="维修记录",
        frm="rfc2231@example.cn",
        text_has=["维修记录见表格"],
        attachments=["维修记录表.xlsx"],
    )
    inner = headers("inner-forwarded", frm="original@example.com", subject=bw("原始投诉")) + text_part(
        "这是被转发的原始邮件。"
    )
    case(
        "forwarded-rfc822",
        headers("forwarded-rfc822", frm="forward@example.com", subject=bw("转发：原始投诉"))
        + multipart(
            "mixed",
            "MIX5",
            [
                text_part("转发一封顾客的邮件。"),
                b"Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" + inner,
            ],
        ),
        subject="转发：原始投诉",
        frm="forward@example.com",
        text_has=["转发一封顾客的邮件"],
        text_not=["被转发的原始邮件"],
        attachments=["原始投诉.eml"],
    )
    case(
        "tnef-winmail",
        headers("tnef-winmail", frm="exchange@example.com", subject="Complaint about delivery")
        + multipart(
            "mixed",
            "MIX6",
            [
                text_part("The parcel arrived broken.", "us-ascii", cte="7bit"),
                attachment(
                    b"\x78\x9f\x3e\x22fake-tnef",
                    'application/ms-tnef; name="winmail.dat"',
                    'attachment; filename="winmail.dat"',
                ),
            ],
        ),
        subject="Complaint about delivery",
        frm="exchange@example.com",
        text_has=["arrived broken"],
        attachments=["winmail.dat"],
    )
    case(
        "attachments-program-refused",
        headers("attachments-program-refused", frm="virus@example.com", subject=bw("请查收"))
        + multipart(
            "mixed",
            "MIX7",
            [
                text_part("请查收附件。"),
                attachment(
                    b"MZ\x90\x00",
                    'application/octet-stream; name="invoice.exe"',
                    'attachment; filename="invoice.exe"',
                ),
                attachment(
                    b"PK\x03\x04doc",
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    f'attachment; filename="{bw("说明.docx")}"',
                ),
            ],
        ),
        subject="请查收",
        frm="virus@example.com",
        text_has=["请查收附件", "invoice.exe"],
        attachments=["说明.docx"],
        skipped=["invoice.exe"],
    )
    case(
        "calendar-attachment",
        headers("calendar-attachment", frm="calendar@example.com", subject="Appointment")
        + multipart(
            "mixed",
            "MIX8",
            [
                text_part("See the invitation.", "us-ascii", cte="7bit"),
                attachment(
                    b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
                    "text/calendar; method=REQUEST",
                    'attachment; filename="invite.ics"',
                ),
            ],
        ),
        subject="Appointment",
        frm="calendar@example.com",
        text_has=["invitation"],
        attachments=["invite.ics"],
    )
    case(
        "attachment-only",
        headers("attachment-only", frm="photoonly@example.com", subject=bw("照片"))
        + multipart("mixed", "MIX9", [attachment(PNG, "image/jpeg", 'attachment; filename="IMG_0001.JPG"')]),
        subject="照片",
        frm="photoonly@example.com",
        text_has=["照片"],
        attachments=["IMG_0001.JPG"],
    )
    case(
        "apple-text-image-text",
        headers("apple-text-image-text", frm="apple@example.com", subject=bw("划痕"))
        + multipart(
            "mixed",
            "MIX10",
            [
                text_part("第一段：桌面有划痕。"),
                attachment(PNG, 'image/png; name="scratch.png"', 'inline; filename="scratch.png"'),
                text_part("第二段：请尽快处理。"),
            ],
        ),
        subject="划痕",
        frm="apple@example.com",
        text_has=["第一段：桌面有划痕", "第二段：请尽快处理"],
        attachments=["scratch.png"],
    )
    case(
        "broken-base64",
        headers("broken-base64", frm="broken@example.com", subject=bw("编码损坏"))
        + b"Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.b64encode("正文的 base64 少了填充".encode())[:-2]
        + b"!!\r\n",
        subject="编码损坏",
        frm="broken@example.com",
        text_has=["正文的"],
    )
    case(
        "multipart-no-boundary",
        headers("multipart-no-boundary", frm="noboundary@example.com", subject="Broken multipart")
        + b"Content-Type: multipart/mixed\r\n\r\nThis body claims to be multipart but has no boundary: refund please.\r\n",
        subject="Broken multipart",
        frm="noboundary@example.com",
        text_has=["refund please"],
    )
    case(
        "latin1-label-gbk-body",
        headers("latin1-label-gbk-body", frm="latin@example.cn", subject=bw("标签是西文"))
        + text_part("标签写成 iso-8859-1，内容其实是中文。", "gbk", cte="8bit", label="iso-8859-1"),
        subject="标签是西文",
        frm="latin@example.cn",
        text_has=["内容其实是中文"],
    )
    case(
        "windows-1252",
        headers(
            "windows-1252",
            frm=f"{qw('José Müller', 'windows-1252')} <jose@example.de>",
            subject=qw("Café voucher", "windows-1252"),
        )
        + text_part("The café voucher was refused.", "windows-1252", cte="quoted-printable"),
        subject="Café voucher",
        frm="jose@example.de",
        text_has=["café voucher"],
    )
    long_subject = " ".join([bw("这是一个很长的主题，"), bw("混合了两种字符集", "gbk"), "and plain words"])
    case(
        "long-mixed-subject",
        headers("long-mixed-subject", frm="long@example.com", subject=long_subject.replace(" =?", "\r\n =?"))
        + text_part("长主题。"),
        subject="这是一个很长的主题，混合了两种字符集 and plain words",
        frm="long@example.com",
        text_has=["长主题"],
    )
    lf_only = (
        headers("lf-line-endings", frm="unix@example.com", subject="LF only")
        + text_part("Unix line endings only.", "us-ascii", cte="7bit")
    ).replace(b"\r\n", b"\n")
    case(
        "lf-line-endings", lf_only, subject="LF only", frm="unix@example.com", text_has=["Unix line endings"]
    )
    case(
        "auto-submitted-no",
        headers(
            "auto-submitted-no", frm="human@example.com", subject=bw("人工发送"), extra=["Auto-Submitted: no"]
        )
        + text_part("Auto-Submitted: no 是人写的邮件。"),
        subject="人工发送",
        frm="human@example.com",
        text_has=["人写的邮件"],
    )
    # --- automatic mail ---------------------------------------------------------------------------
    case(
        "vacation-auto-replied",
        headers(
            "vacation-auto-replied",
            frm="vacation@example.com",
            subject=bw("自动回复：我在休假"),
            extra=["Auto-Submitted: auto-replied"],
        )
        + text_part("我在休假，下周回来。"),
        subject="自动回复：我在休假",
        frm="vacation@example.com",
        text_has=["下周回来"],
        is_auto=True,
    )
    case(
        "precedence-bulk",
        headers(
            "precedence-bulk",
            frm="news@shop.example.com",
            subject=bw("双十一大促"),
            extra=["Precedence: bulk", "List-Unsubscribe: <mailto:unsub@shop.example.com>"],
        )
        + text_part("全场五折。"),
        subject="双十一大促",
        frm="news@shop.example.com",
        text_has=["全场五折"],
        is_auto=True,
    )
    case(
        "precedence-junk",
        headers("precedence-junk", frm="junk@example.com", subject="You won", extra=["Precedence: junk"])
        + text_part("Claim your prize.", "us-ascii", cte="7bit"),
        subject="You won",
        frm="junk@example.com",
        text_has=["prize"],
        is_auto=True,
    )
    case(
        "x-autoreply",
        headers("x-autoreply", frm="auto1@example.com", subject="Re: your mail", extra=["X-Autoreply: yes"])
        + text_part("I will answer later.", "us-ascii", cte="7bit"),
        subject="Re: your mail",
        frm="auto1@example.com",
        text_has=["answer later"],
        is_auto=True,
    )
    case(
        "x-autorespond",
        headers("x-autorespond", frm="auto2@example.com", subject="Thanks", extra=["X-Autorespond: thanks"])
        + text_part("Thanks for your message.", "us-ascii", cte="7bit"),
        subject="Thanks",
        frm="auto2@example.com",
        text_has=["Thanks for your message"],
        is_auto=True,
    )
    original = (
        f"Message-ID: {IDS['utf8-plain']}\r\nFrom: zhangsan@example.com\r\nSubject: test\r\n"
    ).encode()
    case(
        "bounce-delivery-status",
        headers(
            "bounce-delivery-status",
            frm="MAILER-DAEMON@mx.example.com (Mail Delivery System)",
            subject="Undelivered Mail Returned to Sender",
        )
        + multipart(
            "report",
            "REP1",
            [
                text_part(
                    "This is the mail system. Your message could not be delivered.", "us-ascii", cte="7bit"
                ),
                b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; gone@example.com\r\nAction: failed\r\nStatus: 5.1.1\r\n",
                b"Content-Type: text/rfc822-headers\r\n\r\n" + original,
            ],
            extra="; report-type=delivery-status",
        ),
        subject="Undelivered Mail Returned to Sender",
        frm="mailer-daemon@mx.example.com",
        text_has=["could not be delivered"],
        is_auto=True,
        thread="utf8-plain",
    )
    case(
        "postmaster-plain",
        headers("postmaster-plain", frm="postmaster@example.org", subject="Delivery failure")
        + text_part("The recipient's mailbox is full.", "us-ascii", cte="7bit"),
        subject="Delivery failure",
        frm="postmaster@example.org",
        text_has=["mailbox is full"],
        is_auto=True,
    )
    # --- replies --------------------------------------------------------------------------------
    case(
        "reply-outlook-original",
        headers(
            "reply-outlook-original",
            frm="lisi@example.cn",
            subject=bw("回复: 退货申请", "gb2312"),
            extra=[f"In-Reply-To: {IDS['gb2312-base64']}", f"References: {IDS['gb2312-base64']}"],
        )
        + text_part(
            "已经寄回了，单号 YT888。\r\n\r\n-----原始邮件-----\r\n发件人: 客服中心 <service@kefu.test>\r\n发送时间: 2026年11月22日 9:30\r\n收件人: lisi@example.cn\r\n主题: 退货申请\r\n\r\n请把商品寄回。",
            "gb2312",
        ),
        subject="回复: 退货申请",
        frm="lisi@example.cn",
        text_has=["单号 YT888"],
        text_not=["原始邮件", "请把商品寄回"],
        thread="gb2312-base64",
    )
    case(
        "reply-references-on-wrote",
        headers(
            "reply-references-on-wrote",
            frm="zhangsan@example.com",
            subject="Re: 快递三天没到",
            extra=[
                "In-Reply-To: <unknown-ack@elsewhere.example>",
                f"References: {IDS['utf8-plain']} <unknown-ack@elsewhere.example>",
            ],
        )
        + text_part(
            "Still nothing arrived.\n\nOn Sun, Nov 22, 2026 at 9:30 AM Service <service@kefu.test> wrote:\n> We are checking.\n> Please wait.",
            "utf-8",
        ),
        subject="Re: 快递三天没到",
        frm="zhangsan@example.com",
        text_has=["Still nothing arrived"],
        text_not=["We are checking", "wrote:"],
        thread="utf8-plain",
    )
    case(
        "reply-subject-number-foxmail",
        headers(
            "reply-subject-number-foxmail",
            frm="zhangsan@example.com",
            subject=bw(f"回复：[{NUMBERS['utf8-plain']}] 快递三天没到"),
            msgid="<foxmail-1@example.com>",
        )
        + text_part(
            "快递到了，谢谢。\n\n\n发件人：客服中心\n发送时间：2026-11-22 10:00\n收件人：zhangsan@example.com\n主题：快递三天没到\n\n我们正在查询。"
        ),
        subject=f"回复：[{NUMBERS['utf8-plain']}] 快递三天没到",
        frm="zhangsan@example.com",
        text_has=["快递到了"],
        text_not=["我们正在查询", "发送时间"],
        thread="utf8-plain",
    )
    case(
        "reply-bare-number-qq",
        headers(
            "reply-bare-number-qq",
            frm="LiSi@Example.cn",
            subject=bw(f"{NUMBERS['gb2312-base64']} 的处理进度"),
        )
        + text_part(
            '退款什么时候到？\n\n------------------ 原始邮件 ------------------\n发件人: "客服中心"<service@kefu.test>;\n发送时间: 2026年11月22日(星期天) 上午9:30\n收件人: "李四"<lisi@example.cn>;\n主题: 退货申请\n\n已收到退货。'
        ),
        subject=f"{NUMBERS['gb2312-base64']} 的处理进度",
        frm="lisi@example.cn",
        text_has=["退款什么时候到"],
        text_not=["已收到退货"],
        thread="gb2312-base64",
    )
    case(
        "number-from-stranger",
        headers(
            "number-from-stranger",
            frm="stranger@example.net",
            subject=f"[{NUMBERS['utf8-plain']}] I am not the customer",
        )
        + text_part("Someone else guessed the number.", "us-ascii", cte="7bit"),
        subject=f"[{NUMBERS['utf8-plain']}] I am not the customer",
        frm="stranger@example.net",
        text_has=["guessed the number"],
    )
    case(
        "reply-chinese-attribution",
        headers(
            "reply-chinese-attribution",
            frm="wangzhe@example.cn",
            subject=bw("Re: 王喆的投诉"),
            extra=[f"In-Reply-To: {IDS['gb2312-label-gbk-body']}"],
        )
        + text_part(
            "希望今天给答复。\n\n在 2026年11月22日 09:30，客服中心 <service@kefu.test> 写道：\n> 已转交门店处理。"
        ),
        subject="Re: 王喆的投诉",
        frm="wangzhe@example.cn",
        text_has=["希望今天给答复"],
        text_not=["已转交门店处理", "写道"],
        thread="gb2312-label-gbk-body",
    )
    case(
        "reply-outlook-english-block",
        headers(
            "reply-outlook-english-block",
            frm="exchange@example.com",
            subject="RE: Complaint about delivery",
            extra=[f"In-Reply-To: {IDS['tnef-winmail']}"],
        )
        + text_part(
            "Photos attached next week.\n\n________________________________\nFrom: Service <service@kefu.test>\nSent: Sunday, November 22, 2026 9:30 AM\nTo: exchange@example.com\nSubject: Complaint about delivery\n\nPlease send photos.",
            "us-ascii",
            cte="7bit",
        ),
        subject="RE: Complaint about delivery",
        frm="exchange@example.com",
        text_has=["Photos attached next week"],
        text_not=["Please send photos"],
        thread="tnef-winmail",
    )
    case(
        "reply-html-only-quote",
        headers(
            "reply-html-only-quote",
            frm="html@example.com",
            subject=bw("回复：网页版邮件"),
            extra=[f"In-Reply-To: {IDS['html-only-script']}"],
        )
        + text_part(
            '<div>好的，明天去门店。</div><div id="divRplyFwdMsg"><b>发件人:</b> 客服中心<br><b>发送时间:</b> 2026年11月22日<br>请带上发票。</div>'
            '<blockquote type="cite">更早的历史</blockquote>',
            ctype="text/html",
        ),
        subject="回复：网页版邮件",
        frm="html@example.com",
        text_has=["明天去门店"],
        text_not=["请带上发票", "更早的历史"],
        html_not=["请带上发票", "更早的历史"],
        thread="html-only-script",
    )
    case(
        "reply-to-reply",
        headers(
            "reply-to-reply",
            frm="lisi@example.cn",
            subject=bw("回复: 回复: 退货申请"),
            extra=[f"In-Reply-To: {IDS['reply-outlook-original']}"],
        )
        + text_part("> 已经寄回了\n收到退款了，谢谢！"),
        subject="回复: 回复: 退货申请",
        frm="lisi@example.cn",
        text_has=["收到退款了"],
        text_not=["已经寄回了"],
        thread="gb2312-base64",
    )
    case(
        "resent-duplicate",
        headers("utf8-plain", frm=f"{bw('张三')} <zhangsan@example.com>", subject=bw("快递三天没到"))
        + text_part("你好，我的快递单号 SF123 三天没到，请帮忙查询。\n\n张三（重发）"),
        subject="快递三天没到",
        frm="zhangsan@example.com",
        text_has=["SF123"],
        text_not=["重发"],
        thread="utf8-plain",
        duplicate=True,
    )
    case(
        "re-re-no-thread",
        headers("re-re-no-thread", frm="newperson@example.com", subject=bw("Re: Re: 回复: 咨询营业时间"))
        + text_part("请问周日营业吗？"),
        subject="Re: Re: 回复: 咨询营业时间",
        frm="newperson@example.com",
        text_has=["周日营业吗"],
    )
    case(
        "forward-only-keeps-text",
        headers("forward-only-keeps-text", frm="fwd2@example.com", subject=bw("转发: 投诉"))
        + text_part(
            "-----Original Message-----\nFrom: customer@example.com\nSent: Sunday\nSubject: 投诉\n\n顾客原话：收银员态度差。"
        ),
        subject="转发: 投诉",
        frm="fwd2@example.com",
        text_has=["收银员态度差"],
    )
    case(
        "big5-attachment-name",
        headers("big5-attachment-name", frm="hk@example.hk", subject=bw("附件", "big5"))
        + multipart(
            "mixed",
            "MIX11",
            [
                text_part("請查看單據。", "big5"),
                attachment(
                    PDF,
                    f'application/pdf; name="{bw("單據.pdf", "big5")}"',
                    f'attachment; filename="{bw("單據.pdf", "big5")}"',
                ),
            ],
        ),
        subject="附件",
        frm="hk@example.hk",
        text_has=["請查看單據"],
        attachments=["單據.pdf"],
    )

    real_world()


def real_world() -> None:
    """Charsets as declared, headers as mail clients read them, stray lines, quote headers per client."""
    case(
        "latin1-umlauts",
        headers(
            "latin1-umlauts",
            frm=f"{qw('Jürgen Müller', 'iso-8859-1')} <juergen@example.de>",
            subject="Bestätigung fehlt".encode("iso-8859-1"),  # raw 8-bit: read in the body's charset
        )
        + text_part(
            "Grüße aus München! Die Bestätigung für meine Bestellung 4711 fehlt.", "iso-8859-1", cte="8bit"
        ),
        subject="Bestätigung fehlt",
        frm="juergen@example.de",
        text_has=["Grüße aus München", "Bestätigung für meine Bestellung 4711"],
    )
    case(
        "iso-2022-jp-declared",
        headers("iso-2022-jp-declared", frm="tanaka@example.jp", subject=bw("お問い合わせ", "iso-2022-jp"))
        + text_part("製品の保証について教えてください。", "iso-2022-jp", cte="7bit"),
        subject="お問い合わせ",
        frm="tanaka@example.jp",
        text_has=["製品の保証について"],
    )
    case(
        "iso-2022-jp-undeclared",
        headers(
            "iso-2022-jp-undeclared",
            frm="suzuki@example.jp",
            subject="返品の依頼".encode("iso-2022-jp"),  # escape codes in a raw header, no charset anywhere
        )
        + text_part("注文番号 A2002 を返品したいです。", "iso-2022-jp", cte="7bit", label=""),
        subject="返品の依頼",
        frm="suzuki@example.jp",
        text_has=["注文番号 A2002 を返品したいです"],
    )
    case(
        "iso-2022-kr-declared",
        headers("iso-2022-kr-declared", frm="kim@example.kr", subject=bw("제품 문의", "euc-kr"))
        + text_part("제품 보증에 대해 문의드립니다.", "iso-2022-kr", cte="7bit"),
        subject="제품 문의",
        frm="kim@example.kr",
        text_has=["제품 보증에 대해 문의드립니다"],
    )
    case(
        "from-missing-reply-to",
        headers(
            "from-missing-reply-to",
            frm=None,
            subject=bw("没有发件人"),
            extra=[f"Reply-To: {bw('吴十')} <wushi@example.cn>", "Sender: robot@forms.example.cn"],
        )
        + text_part("网页表单转来的邮件，没有 From。"),
        subject="没有发件人",
        frm="wushi@example.cn",
        text_has=["没有 From"],
    )
    case(
        "from-empty-sender",
        headers("from-empty-sender", frm="", subject="Empty From", extra=["Sender: desk@example.org"])
        + text_part("The From header is empty; Sender says who sent it.", "us-ascii", cte="7bit"),
        subject="Empty From",
        frm="desk@example.org",
        text_has=["Sender says who sent it"],
    )
    case(
        "two-from-first-broken",
        headers(
            "two-from-first-broken",
            frm="undisclosed sender",
            subject=bw("两个发件人"),
            extra=[f"From: {bw('郑十一')} <zheng@example.cn>"],
        )
        + text_part("第一个 From 没有地址，第二个才有。"),
        subject="两个发件人",
        frm="zheng@example.cn",
        text_has=["第二个才有"],
    )
    case(
        "reply-to-differs",
        headers(
            "reply-to-differs",
            frm="boss@example.com",
            subject="Please answer my assistant",
            extra=["Reply-To: Assistant <assistant@example.com>"],
        )
        + text_part("Answers go to my assistant.", "us-ascii", cte="7bit"),
        subject="Please answer my assistant",
        frm="boss@example.com",
        text_has=["my assistant"],
        reply_to="assistant@example.com",
    )
    case(
        "mbox-from-line",
        b"From customer@example.com Sun Nov 22 08:00:00 2026\r\n"
        + headers("mbox-from-line", frm="mbox@example.com", subject=bw("从邮箱文件导出"))
        + text_part("这封邮件从 mbox 文件导出，第一行是 From 分隔行。"),
        subject="从邮箱文件导出",
        frm="mbox@example.com",
        text_has=["第一行是 From 分隔行"],
    )
    case(
        "stray-text-before-headers",
        b">From someone Sun Nov 22 08:00:00 2026\r\nSaved by the old help desk on 2026-11-22\r\n\r\n"
        + headers("stray-text-before-headers", frm="stray@example.com", subject="Stray lines first")
        + text_part("A tool wrote two lines before the headers.", "us-ascii", cte="7bit"),
        subject="Stray lines first",
        frm="stray@example.com",
        text_has=["two lines before the headers"],
    )
    # --- quote headers, one reply per client ------------------------------------------------------
    replies = [
        (
            "reply-gmail-german",
            "latin1-umlauts",
            "juergen@example.de",
            "Danke, die Bestätigung ist angekommen.\n\nAm So., 22. Nov. 2026 um 09:30 Uhr schrieb 客服中心 "
            "<service@kefu.test>:\n> Wir prüfen das.",
            "utf-8",
            ["Wir prüfen das", "schrieb"],
        ),
        (
            "reply-outlook-german",
            "latin1-umlauts",
            "juergen@example.de",
            "Bitte auch die Rechnung schicken.\n\n-----Ursprüngliche Nachricht-----\nVon: 客服 <service@kefu.test>"
            "\nGesendet: Sonntag, 22. November 2026 09:30\nAn: juergen@example.de\nBetreff: Bestätigung\n\n"
            "Die Bestätigung ist unterwegs.",
            "utf-8",
            ["Ursprüngliche", "ist unterwegs"],
        ),
        (
            "reply-apple-mail-english",
            "from-address-only",
            "onlyaddress@example.com",
            "Thanks, it arrived.\n\nOn Nov 22, 2026, at 09:30, Service <service@kefu.test> wrote:\n\n"
            "> Your order ships tomorrow.",
            "us-ascii",
            ["ships tomorrow", "wrote:"],
        ),
        (
            "reply-thunderbird-english",
            "bad-date",
            "baddate@example.com",
            "The date was Sunday.\n\nOn 22/11/2026 09:30, Service wrote:\n> Which date did you mean?",
            "us-ascii",
            ["Which date", "wrote:"],
        ),
        (
            "reply-gmail-chinese",
            "unlabelled-gbk-body",
            "nolabel@example.cn",
            "已经收到，谢谢。\n\n客服中心 <service@kefu.test> 于2026年11月22日周日 09:30写道：\n> 我们已经处理。",
            "utf-8",
            ["我们已经处理", "写道"],
        ),
        (
            "reply-netease-163",
            "q-encoded-gb2312",
            "sunba@example.cn",
            '发票重开了吗？\n\n在 2026-11-22 09:30:00，"客服中心" <service@kefu.test> 写道：\n> 发票将在三天内重开。',
            "gbk",
            ["三天内重开", "写道"],
        ),
        (
            "reply-outlook-traditional",
            "big5",
            "chan@example.hk",
            "收到，謝謝。\n\n寄件者: 客服中心 <service@kefu.test>\n寄件日期: 2026年11月22日 上午 09:30\n"
            "收件者: chan@example.hk\n主旨: 產品諮詢\n\n保養期為一年。",
            "big5",
            ["保養期為一年", "寄件者"],
        ),
        (
            "reply-iso-2022-jp-quoted",
            "iso-2022-jp-declared",
            "tanaka@example.jp",
            "ありがとうございます。\n\n> 保証期間は一年です。",
            "iso-2022-jp",
            ["保証期間は一年です"],
        ),
    ]
    for name, thread, sender, text, charset, cut in replies:
        new_part = text.split("\n\n")[0]
        case(
            name,
            headers(name, frm=sender, subject=f"Re: {name}", extra=[f"In-Reply-To: {IDS[thread]}"])
            + text_part(text, charset, cte="7bit" if charset.startswith(("us-", "iso-2022")) else "base64"),
            subject=f"Re: {name}",
            frm=sender,
            text_has=[new_part],
            text_not=cut,
            thread=thread,
        )


def main() -> None:
    build()
    HERE.mkdir(parents=True, exist_ok=True)
    for old in HERE.glob("*.eml"):
        old.unlink()
    expected = {}
    for item in CASES:
        (HERE / item["file"]).write_bytes(item.pop("raw"))
        expected[item.pop("file")] = item
    (HERE / "expected.json").write_text(
        json.dumps(expected, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    print(f"{len(CASES)} mails in {HERE}")


if __name__ == "__main__":
    main()
