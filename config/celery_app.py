import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")

app = Celery("netbranch")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _make_broker_folder(sender: Celery, **kwargs) -> None:
    # The embedded filesystem broker needs its folder before the first message.
    folder = sender.conf.broker_transport_options.get("data_folder_in")
    if folder:
        os.makedirs(folder, exist_ok=True)
