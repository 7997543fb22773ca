from django import forms
from django.utils.translation import gettext_lazy as _

from kefu.knowledge.models import Article, Audience, Category, RuleKind, Stage
from kefu.tickets.models import TicketType


class ArticleForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    category = forms.ModelChoiceField(label=_("category"), queryset=Category.objects.all(), required=False)
    audience = forms.ChoiceField(label=_("audience"), choices=Audience.choices, initial=Audience.INTERNAL)
    body = forms.CharField(
        label=_("body"), required=False,
        widget=forms.Textarea(attrs={"rows": 16, "data-markdown-source": ""}),
        help_text=_("Markdown: **bold**, - lists, 1. steps, | tables |, [links](https://…). HTML is allowed; "
                    "scripts, styles and event handlers are removed. The preview shows what readers will see."),
    )  # fmt: skip
    keywords = forms.CharField(
        label=_("keywords"), max_length=300, required=False,
        help_text=_("Words customers and agents use for this topic, separated by spaces; search weighs them."),
    )  # fmt: skip
    review_on = forms.DateField(
        label=_("review date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    must_read = forms.BooleanField(label=_("must read (briefing)"), required=False)
    note = forms.CharField(label=_("what changed"), max_length=200, required=False)
    expected_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    @classmethod
    def for_article(cls, article: Article, data=None):
        initial = {
            "title": article.title, "category": article.category, "audience": article.audience,
            # An article written as HTML before the Markdown editor opens with its HTML as the source:
            # Markdown lets HTML through, so it keeps looking the same once saved.
            "body": article.body_markdown or article.body_html, "keywords": article.keywords, "review_on": article.review_on, "must_read": article.must_read,
            "expected_version": article.version,
        }  # fmt: skip
        return cls(data, initial=initial)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("file"))


class SynonymForm(forms.Form):
    words = forms.CharField(
        label=_("words"), max_length=300, help_text=_("Two or more words separated by spaces.")
    )


class PhraseRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("kind"), choices=RuleKind.choices)
    phrase = forms.CharField(label=_("phrase"), max_length=100)
    alternative = forms.CharField(label=_("standard alternative"), max_length=300, required=False)
    note = forms.CharField(label=_("note"), max_length=300, required=False)


class ScriptForm(forms.Form):
    stage = forms.ChoiceField(label=_("stage"), choices=Stage.choices)
    ticket_type = forms.ChoiceField(
        label=_("for work orders of type"), choices=[("", _("any type")), *TicketType.choices], required=False,
        help_text=_("A “reply with the result” script drafts the reply to the customer when resolving."),
    )  # fmt: skip
    title = forms.CharField(label=_("title"), max_length=100)
    text = forms.CharField(
        label=_("text"), widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Variables: {customer_name} {agent_no} {ticket_no} {promised_time}"),
    )  # fmt: skip
    personal = forms.BooleanField(label=_("only in my personal set"), required=False)


class CaseForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=200)
    verdict = forms.ChoiceField(
        label=_("example"), choices=[("good", _("good example")), ("bad", _("bad example"))]
    )
    notes = forms.CharField(
        label=_("what made it so"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    request_text = forms.CharField(
        label=_("customer's first request"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    transcript = forms.CharField(
        label=_("or a real transcript"), required=False, widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("One line per turn: “客户：…” or “客服：…”. Phones, names and addresses are masked."),
    )  # fmt: skip
    names = forms.CharField(label=_("names to mask"), required=False, help_text=_("Separated by spaces."))


class CaseStepForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("kind"),
        choices=[
            ("reply", _("agent reply")),
            ("follow_up", _("follow-up question")),
            ("resolution", _("resolution")),
        ],
    )
    text = forms.CharField(label=_("text"), widget=forms.Textarea(attrs={"rows": 3}))
    note = forms.CharField(
        label=_("trainer's note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    audio = forms.FileField(label=_("audio"), required=False)
