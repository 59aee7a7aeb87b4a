"""Delivery receipts the SMS providers push: did the phone get the text?

Aliyun (SmsReport) and Tencent Cloud (短信下发状态回调) POST a JSON list of
reports to a URL the operator registers with them. Neither signs its push,
so the URL carries a secret (``?token=``, ``settings.SMS_RECEIPT_TOKEN``):
without it, or with a wrong one, the answer is 404 and nothing changes.
A report names the provider's id of the message (Aliyun ``biz_id``, Tencent
``sid``), which the delivery sweep stored on the ``Delivery``; the first
report for a delivery decides, so a replayed push changes nothing, and a
report for an id the site never sent is ignored.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404, HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .models import Channel, Delivery

logger = logging.getLogger(__name__)

# A push names at most this many messages; a longer body is not a provider's.
MAX_REPORTS = 1000


@dataclass(frozen=True)
class Receipt:
    message_id: str
    delivered: bool
    reason: str = ""


class MalformedReport(ValueError):
    pass


def record_receipts(receipts: list[Receipt], now: dt.datetime | None = None) -> int:
    """Write each receipt on its SMS delivery, once; returns how many deliveries it changed.

    A delivered text keeps its status (sent) and gains the receipt; an
    undelivered one becomes failed with the provider's reason, so the
    admin's "send again" can pick it up.
    """
    now = now or timezone.now()
    # The first report of a message wins, in a push as across pushes; then one UPDATE for all
    # delivered messages and one per reason for the others, however many reports a push carries.
    first: dict[str, Receipt] = {}
    for receipt in receipts:
        first.setdefault(receipt.message_id, receipt)
    delivered = [pk for pk, receipt in first.items() if receipt.delivered]
    undelivered: dict[str, list[str]] = defaultdict(list)
    for pk, receipt in first.items():
        if not receipt.delivered:
            undelivered[receipt.reason[:200]].append(pk)
    unanswered = Delivery.objects.filter(channel=Channel.SMS, final_status="")
    changed = 0
    if delivered:
        changed += unanswered.filter(provider_message_id__in=delivered).update(
            final_status=Delivery.FinalStatus.DELIVERED, receipt_at=now
        )
    for reason, ids in undelivered.items():
        changed += unanswered.filter(provider_message_id__in=ids).update(
            final_status=Delivery.FinalStatus.UNDELIVERED,
            receipt_at=now,
            receipt_error=reason,
            status=Delivery.Status.FAILED,
            last_error=f"not delivered: {reason}",
        )
    return changed


def _reports(request: HttpRequest) -> list[dict]:
    try:
        reports = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise MalformedReport("not JSON") from None
    if isinstance(reports, dict):
        # Both providers push a list; a single report is accepted as one.
        reports = [reports]
    if not isinstance(reports, list) or len(reports) > MAX_REPORTS:
        raise MalformedReport("not a list of reports")
    if not all(isinstance(report, dict) for report in reports):
        raise MalformedReport("a report is not an object")
    return reports


def _text(report: dict, key: str) -> str:
    value = report.get(key)
    if not isinstance(value, (str, int)) or isinstance(value, bool) or str(value).strip() == "":
        raise MalformedReport(f"a report has no {key}")
    return str(value).strip()


def aliyun_receipt(report: dict) -> Receipt:
    """``{"biz_id": …, "success": true, "err_code": "DELIVERED", "err_msg": "用户接收成功", …}``."""
    success = report.get("success")
    if isinstance(success, str) and success.lower() in ("true", "false"):
        success = success.lower() == "true"
    if not isinstance(success, bool):
        raise MalformedReport("a report has no success flag")
    reason = " ".join(str(report.get(key) or "") for key in ("err_code", "err_msg")).strip()
    return Receipt(_text(report, "biz_id"), success, "" if success else reason)


def tencent_receipt(report: dict) -> Receipt:
    """``{"sid": …, "report_status": "SUCCESS" | "FAIL", "errmsg": "DELIVRD", "description": …, …}``."""
    status = report.get("report_status")
    if status not in ("SUCCESS", "FAIL"):
        raise MalformedReport("a report has no report_status")
    delivered = status == "SUCCESS"
    reason = " ".join(str(report.get(key) or "") for key in ("errmsg", "description")).strip()
    return Receipt(_text(report, "sid"), delivered, "" if delivered else reason)


def _authorized(request: HttpRequest) -> bool:
    expected = settings.SMS_RECEIPT_TOKEN
    given = request.GET.get("token", "")
    return bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


def _receive(request: HttpRequest, parse: Callable[[dict], Receipt], ok: dict, bad: dict) -> JsonResponse:
    if not _authorized(request):
        # The same answer as for a page that does not exist: the URL tells a prober nothing.
        raise Http404
    try:
        receipts = [parse(report) for report in _reports(request)]
    except MalformedReport as exc:
        logger.warning("SMS receipt push refused: %s", exc)
        return JsonResponse(bad, status=400)
    changed = record_receipts(receipts)
    logger.info("SMS receipts: %d reports, %d deliveries updated", len(receipts), changed)
    return JsonResponse(ok)


@csrf_exempt
@require_POST
def aliyun(request: HttpRequest) -> JsonResponse:
    # Aliyun retries a push until it reads code 0.
    return _receive(request, aliyun_receipt, {"code": 0, "msg": "成功"}, {"code": 1, "msg": "malformed report"})


@csrf_exempt
@require_POST
def tencent(request: HttpRequest) -> JsonResponse:
    # Tencent Cloud retries a push until it reads result 0.
    ok, bad = {"result": 0, "errmsg": "OK"}, {"result": 1, "errmsg": "malformed report"}
    return _receive(request, tencent_receipt, ok, bad)
