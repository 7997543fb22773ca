"""Case library: tree integrity, building from an anonymised transcript, the step-by-step walk."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from kefu.core.errors import PermissionDenied, ValidationError
from kefu.knowledge.cases import (
    anonymize,
    case_add_step,
    case_create,
    case_from_transcript,
    case_integrity_errors,
    case_tree,
)
from kefu.knowledge.models import Case, CaseNode

pytestmark = pytest.mark.django_db
Kind = CaseNode.Kind

TRANSCRIPT = """客户：你好，我是李明，电话13800138000，住在浦东新区张江路88号3栋，快递一直没到
客服：李先生您好，我帮您查一下物流
客户：昨天就说今天到
客服：已联系快递员，今天18点前送达，您看可以吗
"""


def test_a_new_case_has_one_root_and_it_is_the_request(org):
    case = case_create(title="快递延误", request_text="快递没到", by=org.qa)
    (root,) = case.nodes.all()
    assert root.parent is None and root.kind == Kind.REQUEST
    assert case_integrity_errors(case) == []


def test_branches_keep_the_tree_sound(org):
    case = case_create(title="快递延误", request_text="快递没到", by=org.qa)
    root = case.nodes.get()
    reply_a = case_add_step(parent=root, kind=Kind.REPLY, text="我帮您查", by=org.qa)
    case_add_step(parent=root, kind=Kind.REPLY, text="你问我，我问谁", by=org.qa, note="反例：禁用语")
    case_add_step(parent=reply_a, kind=Kind.RESOLUTION, text="今天送达", by=org.qa)
    assert case_integrity_errors(case) == []
    tree = case_tree(case)
    assert [c["node"].text for c in tree["children"]] == ["我帮您查", "你问我，我问谁"]
    assert tree["children"][0]["children"][0]["node"].kind == Kind.RESOLUTION


def test_a_resolution_is_a_leaf(org):
    case = case_create(title="x", request_text="快递没到", by=org.qa)
    leaf = case_add_step(parent=case.nodes.get(), kind=Kind.RESOLUTION, text="已送达", by=org.qa)
    with pytest.raises(ValidationError) as error:
        case_add_step(parent=leaf, kind=Kind.REPLY, text="还有吗", by=org.qa)
    assert "parent" in error.value.errors
    assert case.nodes.count() == 2


def test_a_second_request_is_refused(org):
    case = case_create(title="x", request_text="快递没到", by=org.qa)
    with pytest.raises(ValidationError):
        case_add_step(parent=case.nodes.get(), kind=Kind.REQUEST, text="又一个", by=org.qa)


def test_the_database_refuses_a_second_root(org):
    from django.db import IntegrityError, transaction

    case = case_create(title="x", request_text="快递没到", by=org.qa)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseNode.objects.create(case=case, kind=Kind.REQUEST, text="第二个根")


def test_integrity_check_finds_a_step_hanging_from_another_case_and_a_loop(org):
    one = case_create(title="一", request_text="甲", by=org.qa)
    two = case_create(title="二", request_text="乙", by=org.qa)
    stray = CaseNode.objects.create(case=one, parent=two.nodes.get(), kind=Kind.REPLY, text="错挂")
    a = CaseNode.objects.create(case=one, parent=one.nodes.get(parent=None), kind=Kind.REPLY, text="a")
    b = CaseNode.objects.create(case=one, parent=a, kind=Kind.REPLY, text="b")
    CaseNode.objects.filter(pk=a.pk).update(parent=b)
    errors = case_integrity_errors(one)
    assert any(f"step {stray.pk} hangs" in e for e in errors)
    assert any("loop" in e for e in errors)


def test_an_agent_may_not_write_cases(org):
    with pytest.raises(PermissionDenied):
        case_create(title="x", request_text="y", by=org.agent)


def test_anonymize_masks_phones_names_and_addresses():
    text = anonymize("我是李明，电话138-0013-8000，住浦东新区张江路88号3栋，王先生也来过", names=["李明"])
    assert "李明" not in text and "13800138000" not in text and "138-0013-8000" not in text
    assert "张江路88号" not in text and "王先生" not in text
    assert "[电话]" in text and "[地址]" in text and "*先生" in text


def test_a_transcript_becomes_a_chain_ending_in_a_resolution(org):
    case = case_from_transcript(title="快递延误（真实）", transcript=TRANSCRIPT, by=org.qa, names=["李明"])
    assert case.source == Case.Source.TRANSCRIPT
    assert case_integrity_errors(case) == []
    chain, node = [], case_tree(case)
    while node:
        chain.append(node["node"])
        node = node["children"][0] if node["children"] else None
    assert [n.kind for n in chain] == [Kind.REQUEST, Kind.REPLY, Kind.FOLLOW_UP, Kind.RESOLUTION]
    everything = " ".join(n.text for n in chain)
    assert "李明" not in everything and "13800138000" not in everything and "张江路88号" not in everything
    assert "李先生" not in everything


def test_a_transcript_without_speakers_is_refused_naming_the_line(org):
    with pytest.raises(ValidationError) as error:
        case_from_transcript(title="x", transcript="\n快递没到\n", by=org.qa)
    assert "Line 2" in error.value.message or "2" in error.value.errors["transcript"][0]
    assert not Case.objects.exists()


def test_the_walk_shows_the_path_and_the_next_choices(org, as_user):
    case = case_create(title="快递延误", request_text="快递没到", by=org.qa)
    reply = case_add_step(parent=case.nodes.get(), kind=Kind.REPLY, text="我帮您查物流", by=org.qa)
    case_add_step(parent=reply, kind=Kind.RESOLUTION, text="今天18点前送达", by=org.qa)
    page = as_user(org.agent).get(f"/knowledge/cases/{case.pk}/?step={reply.pk}").content.decode()
    assert "快递没到" in page and "我帮您查物流" in page and "今天18点前送达" in page


def test_a_step_may_carry_audio(org, as_user):
    case = case_create(title="语音案例", request_text="电话投诉", by=org.qa)
    audio = SimpleUploadedFile("call.mp3", b"ID3fake", content_type="audio/mpeg")
    node = case_add_step(parent=case.nodes.get(), kind=Kind.REPLY, text="录音", by=org.qa, audio=audio)
    response = as_user(org.agent).get(f"/knowledge/cases/audio/{node.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"ID3fake"
