from huey.contrib.djhuey import db_task

from kefu.notify import services


@db_task(retries=3, retry_delay=60)
def send_notification_emails(notification_ids: list[int]) -> int:
    return services.send_emails(notification_ids=notification_ids)
