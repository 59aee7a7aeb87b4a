import os

from celery import Celery
from celery.signals import beat_init

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


@beat_init.connect
def _send_first_heartbeat(sender, **kwargs) -> None:
    # An interval entry first fires one full interval after beat starts, so
    # /healthz would stay red for a minute after every start; a heartbeat sent
    # now turns it green as soon as a worker runs it. It goes through the
    # broker like any other, so it still proves that beat and a worker work.
    sender.app.send_task("branches.tasks.run_sweep", args=["heartbeat"], expires=55)
