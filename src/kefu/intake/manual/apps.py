from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ManualConfig(AppConfig):
    name = "kefu.intake.manual"
    label = "intake_manual"
    verbose_name = _("Manual channels")

    def ready(self) -> None:
        from kefu.intake.manual.facts import fact_label
        from kefu.intake.manual.services import channel_details_clean
        from kefu.tickets.services.tickets import CHANNEL_DETAILS_CHECK, CHANNEL_FACT_LABEL

        # Every work order, whoever records it (pages, API, intake), has its channel's facts checked.
        CHANNEL_DETAILS_CHECK.register(
            lambda channel, details: channel_details_clean(channel=channel, details=details)
        )
        CHANNEL_FACT_LABEL.register(fact_label)
