"""Calibration sessions: blind scoring (services, page, API), closing, the agreement figures, permissions."""

from decimal import Decimal

import pytest
from django.test import Client

from kefu.accounts.models import ApiToken
from kefu.core.errors import PermissionDenied, TransitionNotAllowed, ValidationError
from kefu.quality.models import CalibrationSession, RubricVersion
from kefu.quality.services import calibration as svc
from tests.factories import UserFactory, aware
from tests.org import build_org
from tests.quality import factories_reports as f


@pytest.fixture
def cal(db):
    org = build_org(with_policy=False)
    org.qa2 = UserFactory(username="qa2", role="qa")
    org.rubric = f.rubric()
    org.version = f.version(org.rubric)
    org.t1 = f.transcript(at=aware(2026, 11, 17, 10, 0), agent=org.agent)
    org.t2 = f.transcript(at=aware(2026, 11, 18, 10, 0), agent=org.agent2)
    org.session = svc.calibration_create(
        name="十一月校准", version=org.version, transcripts=[org.t1, org.t2], inspectors=[org.qa, org.qa2],
        by=org.supervisor,
    )  # fmt: skip
    return org


def test_total_follows_the_verdicts_with_fatal_at_the_floor(cal):
    assert svc.total_for(cal.version, set()) == Decimal(100)
    assert svc.total_for(cal.version, {"GREET", "POLITE"}) == Decimal(85)
    assert svc.total_for(cal.version, {"GREET", "THANKS"}) == Decimal(100)  # clamped at the ceiling
    assert svc.total_for(cal.version, {"THANKS", "RUDE"}) == Decimal(0)


def test_a_score_records_every_item_found_or_not(cal):
    score = svc.calibration_score(session=cal.session, transcript=cal.t1, found=["GREET"], by=cal.qa)
    assert score.verdicts == {"GREET": True, "POLITE": False, "RUDE": False, "THANKS": False}
    assert score.total == Decimal(95)


def test_scoring_again_while_open_replaces_the_score(cal):
    svc.calibration_score(session=cal.session, transcript=cal.t1, found=["GREET"], by=cal.qa)
    svc.calibration_score(session=cal.session, transcript=cal.t1, found=[], by=cal.qa)
    assert cal.session.scores.get().total == Decimal(100)


def test_open_session_shows_an_inspector_only_their_own_scores(cal):
    svc.calibration_score(session=cal.session, transcript=cal.t1, found=["GREET"], by=cal.qa)
    svc.calibration_score(session=cal.session, transcript=cal.t1, found=["POLITE"], by=cal.qa2)
    assert [s.inspector for s in svc.calibration_visible_scores(cal.session, cal.qa)] == [cal.qa]
    assert list(svc.calibration_visible_scores(cal.session, cal.supervisor)) == []  # a lead neither
    with pytest.raises(TransitionNotAllowed):
        svc.calibration_agreement(session=cal.session, user=cal.qa)


def test_closed_session_shows_every_score_to_the_invited(cal):
    svc.calibration_score(session=cal.session, transcript=cal.t1, found=["GREET"], by=cal.qa)
    svc.calibration_score(session=cal.session, transcript=cal.t1, found=["POLITE"], by=cal.qa2)
    svc.calibration_close(session=cal.session, by=cal.supervisor)
    assert len(svc.calibration_visible_scores(cal.session, cal.qa)) == 2


def test_a_closed_session_takes_no_more_scores(cal):
    svc.calibration_close(session=cal.session, by=cal.supervisor)
    with pytest.raises(TransitionNotAllowed):
        svc.calibration_score(session=cal.session, transcript=cal.t1, found=[], by=cal.qa)


def test_only_the_invited_score_and_only_items_of_the_version(cal):
    with pytest.raises(PermissionDenied):
        svc.calibration_score(session=cal.session, transcript=cal.t1, found=[], by=cal.agent)
    with pytest.raises(ValidationError) as err:
        svc.calibration_score(session=cal.session, transcript=cal.t1, found=["NOPE"], by=cal.qa)
    assert "found" in err.value.errors
    outside = f.transcript(at=aware(2026, 11, 19, 10, 0))
    with pytest.raises(ValidationError) as err:
        svc.calibration_score(session=cal.session, transcript=outside, found=[], by=cal.qa)
    assert "transcript" in err.value.errors


def test_agents_cannot_open_sessions_and_sessions_need_two_inspectors(cal):
    with pytest.raises(PermissionDenied):
        svc.calibration_create(name="x", version=cal.version, transcripts=[cal.t1], inspectors=[cal.qa, cal.qa2],
                               by=cal.agent)  # fmt: skip
    with pytest.raises(ValidationError) as err:
        svc.calibration_create(
            name="x", version=cal.version, transcripts=[cal.t1], inspectors=[cal.qa], by=cal.qa
        )
    assert "inspectors" in err.value.errors
    with pytest.raises(ValidationError) as err:
        svc.calibration_create(name="x", version=cal.version, transcripts=[cal.t1], inspectors=[cal.qa, cal.agent],
                               by=cal.qa)  # fmt: skip
    assert "inspectors" in err.value.errors
    draft = f.version(cal.rubric, 2, state=RubricVersion.State.DRAFT)
    with pytest.raises(ValidationError) as err:
        svc.calibration_create(
            name="x", version=draft, transcripts=[cal.t1], inspectors=[cal.qa, cal.qa2], by=cal.qa
        )
    assert "version" in err.value.errors


def test_only_the_creator_or_a_lead_closes(cal):
    with pytest.raises(PermissionDenied):
        svc.calibration_close(session=cal.session, by=cal.qa)
    svc.calibration_close(session=cal.session, by=cal.manager)
    with pytest.raises(TransitionNotAllowed):
        svc.calibration_close(session=cal.session, by=cal.manager)


def score_all(cal):
    """Conversation 1: qa finds GREET (95), qa2 GREET and POLITE (85).
    Conversation 2: both find nothing (100, 100)."""
    svc.calibration_score(session=cal.session, transcript=cal.t1, found=["GREET"], by=cal.qa)
    svc.calibration_score(session=cal.session, transcript=cal.t1, found=["GREET", "POLITE"], by=cal.qa2)
    svc.calibration_score(session=cal.session, transcript=cal.t2, found=[], by=cal.qa)
    svc.calibration_score(session=cal.session, transcript=cal.t2, found=[], by=cal.qa2)
    svc.calibration_close(session=cal.session, by=cal.supervisor)


def test_session_agreement_by_hand(cal):
    score_all(cal)
    a = svc.calibration_agreement(session=cal.session, user=cal.qa)
    spreads = [(c.spread.minimum, c.spread.maximum, c.spread.stdev) for c in a.conversations]
    assert spreads == [(85.0, 95.0, 5.0), (100.0, 100.0, 0.0)]
    assert (a.mean_stdev, a.mean_range) == (2.5, 5.0)
    # 8 units (2 conversations × 4 items), 7 unanimous: only POLITE on conversation 1 differs.
    assert (a.units, a.item_agreement) == (8, 7 / 8)
    # Values: GREET t1 (T, T), the 6 other unanimous units (F, F), POLITE t1 (T, F): n = 16,
    # n_T = 3, n_F = 13, o_TF = o_FT = 1. D_o = 2; D_e = 2·3·13/15 = 5.2; alpha = 1 − 2/5.2.
    assert a.alpha == pytest.approx(1 - 2 / 5.2)
    # Fleiss: P̄ = 7/8, p_T = 3/16, p_F = 13/16, P̄_e = (9 + 169)/256.
    p_e = 178 / 256
    assert a.kappa == pytest.approx((7 / 8 - p_e) / (1 - p_e))
    assert {i["code"]: i["item_agreement"] for i in a.by_item} == {
        "GREET": 1.0,
        "POLITE": 0.5,
        "RUDE": 1.0,
        "THANKS": 1.0,
    }


def test_rubric_agreement_pools_closed_sessions_only(cal):
    score_all(cal)
    open_one = svc.calibration_create(
        name="未结束", version=cal.version, transcripts=[cal.t1], inspectors=[cal.qa, cal.qa2], by=cal.qa
    )
    svc.calibration_score(session=open_one, transcript=cal.t1, found=["RUDE"], by=cal.qa)
    a = svc.rubric_agreement(rubric=cal.rubric, user=cal.supervisor)
    assert (a.scores, a.units, a.item_agreement) == (4, 8, 7 / 8)


def test_a_transcript_in_two_sessions_has_a_spread_in_each(cal):
    score_all(cal)
    again = svc.calibration_create(
        name="复训", version=cal.version, transcripts=[cal.t1], inspectors=[cal.qa, cal.qa2], by=cal.qa
    )
    svc.calibration_score(session=again, transcript=cal.t1, found=["GREET"], by=cal.qa)
    svc.calibration_score(session=again, transcript=cal.t1, found=["GREET"], by=cal.qa2)
    svc.calibration_close(session=again, by=cal.qa)
    a = svc.rubric_agreement(rubric=cal.rubric, user=cal.supervisor)
    spreads = sorted((c.session_id, c.transcript.pk, c.spread.stdev) for c in a.conversations)
    assert spreads == [
        (cal.session.pk, cal.t1.pk, 5.0),
        (cal.session.pk, cal.t2.pk, 0.0),
        (again.pk, cal.t1.pk, 0.0),
    ]
    assert (a.units, a.item_agreement) == (12, 11 / 12)


def test_sessions_page_shows_agreement_by_rubric(cal):
    score_all(cal)
    text = signed_in(cal.supervisor).get("/quality/calibration/").text
    assert "rubric-agreement" in text and "0.615" in text


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_score_page_is_blind_while_open(cal):
    svc.calibration_score(
        session=cal.session, transcript=cal.t1, found=["GREET"], by=cal.qa, comment="问候缺失"
    )
    svc.calibration_score(
        session=cal.session, transcript=cal.t1, found=["POLITE"], by=cal.qa2, comment="用了你"
    )
    page = signed_in(cal.qa2).get(f"/quality/calibration/{cal.session.pk}/score/{cal.t1.pk}/")
    assert page.status_code == 200 and "用了你" in page.text and "问候缺失" not in page.text
    session_page = signed_in(cal.qa2).get(f"/quality/calibration/{cal.session.pk}/")
    assert "95.00" not in session_page.text and "Krippendorff" not in session_page.text


def test_session_page_shows_scores_and_agreement_once_closed(cal):
    score_all(cal)
    text = signed_in(cal.qa).get(f"/quality/calibration/{cal.session.pk}/").text
    assert "95.00" in text and "85.00" in text and "0.615" in text  # alpha = 1 − 2/5.2


def test_score_page_saves_a_blind_score(cal):
    response = signed_in(cal.qa).post(
        f"/quality/calibration/{cal.session.pk}/score/{cal.t1.pk}/",
        {"found": ["GREET", "POLITE"], "comment": "x"},
    )
    assert response.status_code == 302
    assert cal.session.scores.get(inspector=cal.qa).total == Decimal(85)
    bad = signed_in(cal.qa).post(
        f"/quality/calibration/{cal.session.pk}/score/{cal.t1.pk}/", {"found": ["NOPE"]}
    )
    assert bad.status_code == 422 and cal.session.scores.get(inspector=cal.qa).total == Decimal(85)


def test_pages_refuse_the_uninvited(cal):
    assert signed_in(cal.agent).get(f"/quality/calibration/{cal.session.pk}/").status_code == 403
    assert (
        signed_in(cal.supervisor).get(f"/quality/calibration/{cal.session.pk}/score/{cal.t1.pk}/").status_code
        == 403
    )


def test_sessions_page_opens_a_session(cal):
    client = signed_in(cal.qa)
    assert client.get("/quality/calibration/").status_code == 200
    response = client.post(
        "/quality/calibration/",
        {
            "name": "第二次",
            "version": cal.version.pk,
            "transcripts": [cal.t1.pk],
            "inspectors": [cal.qa.pk, cal.qa2.pk],
        },
    )
    assert response.status_code == 302
    assert CalibrationSession.objects.filter(name="第二次", created_by=cal.qa).exists()
    bad = client.post("/quality/calibration/", {"name": "", "version": cal.version.pk})
    assert bad.status_code == 422


def api(user) -> Client:
    _token, raw = ApiToken.issue(user=user, name="t")
    return Client(headers={"Authorization": f"Bearer {raw}"})


def test_api_is_blind_while_open_and_open_after_closing(cal):
    base = f"/api/quality/calibration/sessions/{cal.session.pk}"
    qa, qa2 = api(cal.qa), api(cal.qa2)
    assert (
        qa.post(
            f"{base}/scores", {"transcript": cal.t1.pk, "found": ["GREET"]}, content_type="application/json"
        ).json()["total"]
        == "95.00"
    )
    qa2.post(f"{base}/scores", {"transcript": cal.t1.pk, "found": []}, content_type="application/json")
    assert [s["inspector"] for s in qa2.get(base).json()["scores"]] == ["qa2"]
    assert qa2.get(f"{base}/agreement").status_code == 409
    assert api(cal.supervisor).post(f"{base}/close").json()["state"] == "closed"
    assert sorted(s["inspector"] for s in qa2.get(base).json()["scores"]) == ["qa", "qa2"]
    body = qa2.get(f"{base}/agreement").json()
    assert body["conversations"][0]["stdev"] == 2.5 and body["scores"] == 2


def test_api_refusals_name_the_field(cal):
    client = api(cal.qa)
    base = f"/api/quality/calibration/sessions/{cal.session.pk}"
    bad = client.post(
        f"{base}/scores", {"transcript": cal.t1.pk, "found": ["NOPE"]}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["details"][0]["field"] == "found"
    missing = client.post(
        "/api/quality/calibration/sessions",
        {
            "name": "x",
            "version": cal.version.pk,
            "transcripts": [999999],
            "inspectors": [cal.qa.pk, cal.qa2.pk],
        },
        content_type="application/json",
    )
    assert missing.status_code == 422 and missing.json()["details"][0]["field"] == "transcripts"
    assert api(cal.agent).get(base).status_code == 403
    created = client.post(
        "/api/quality/calibration/sessions",
        {
            "name": "API",
            "version": cal.version.pk,
            "transcripts": [cal.t1.pk],
            "inspectors": [cal.qa.pk, cal.qa2.pk],
        },
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["inspectors"] == ["qa", "qa2"]
