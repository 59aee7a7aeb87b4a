"""How long a roster import's preview and confirm take for 5,000 and 20,000 rows.

    .venv/bin/python bench/roster_import.py [--sizes 5000 20000]

Writes GBK CSV files (what Excel on Chinese Windows saves) of fictitious
members with valid ID check characters under var/, then times, on a throwaway
database (a SQLite file under var/ by default, or a separate database on the
server named by DATABASE_URL, never the one the URL names itself):

- preview: read the file and plan it (parse, Member.full_clean, matching);
- confirm: plan again and write it in one transaction (bulk inserts + log);
- re-import: the same file again, which must find every row unchanged.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from throwaway import ROOT, create_database, setup_django

PROVINCES = ["广东", "浙江省", "江苏", "北京市", "广西壮族自治区", "新疆", "四川省", "上海"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 20_000], help="rows per file")
    parser.add_argument("--keep", action="store_true", help="keep the throwaway database afterwards")
    return parser.parse_args()


def write_csv(rows: int, offset: int) -> Path:
    from members.spreadsheets import ROSTER_HEADERS
    from members.validators import id_check_char

    path = ROOT / "var" / f"bench-roster-{rows}.csv"
    lines = [",".join(ROSTER_HEADERS)]
    for n in range(offset, offset + rows):
        birth = dt.date(1960, 1, 1) + dt.timedelta(days=n % 12_000)
        # Region 510000 is province-level: no real card carries it. The
        # sequence number keeps (birth date, sequence) unique across files.
        first17 = f"510000{birth:%Y%m%d}{n // 12_000:03d}"
        joined = birth + dt.timedelta(days=365 * 25 + n % 300)
        lines.append(
            ",".join(
                [
                    f"党员{n}",
                    "男" if n % 2 else "女",
                    f"170{n:08d}",
                    first17 + id_check_char(first17),
                    "",
                    joined.strftime("%Y/%-m/%-d") if n % 3 else joined.strftime("%Y年%-m月%-d日"),
                    (joined + dt.timedelta(days=366)).isoformat(),
                    "正式党员",
                    "",
                    "是" if n % 4 else "否",
                    PROVINCES[n % len(PROVINCES)],
                    "某市",
                    "某建筑公司",
                    "家属",
                    "17099999999",
                ]
            )
        )
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    return path


def run(path: Path, branch) -> tuple[float, float, float, int]:
    from django.db import transaction

    from members import imports as importing

    data = path.read_bytes()
    started = time.perf_counter()
    plan = importing.plan_import(importing.read_roster(data), branch)
    preview = time.perf_counter() - started
    if plan.errors:
        raise SystemExit(f"unexpected row errors: {plan.errors[:5]}")
    started = time.perf_counter()
    plan = importing.plan_import(importing.read_roster(data), branch)
    with transaction.atomic():
        importing.apply_plan(plan, branch, None, note="bench")
    confirm = time.perf_counter() - started
    started = time.perf_counter()
    again = importing.plan_import(importing.read_roster(data), branch)
    reimport = time.perf_counter() - started
    if len(again.unchanged) != again.total:
        raise SystemExit("a re-import must change nothing")
    return preview, confirm, reimport, len(plan.create)


def main() -> int:
    args = parse_args()
    setup_django()
    from django.db import connection

    from branches.models import Organization

    old_name = create_database("roster-import")
    try:
        print(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
        print("   rows  file KB   preview   confirm  re-import (unchanged)")
        offset = 0
        for size in args.sizes:
            branch = Organization.objects.create(
                kind=Organization.Kind.BRANCH, name=f"基准{size}", code=f"bench-{size}"
            )
            path = write_csv(size, offset)
            offset += size
            preview, confirm, reimport, created = run(path, branch)
            if created != size:
                raise SystemExit(f"created {created} of {size} rows")
            kb = path.stat().st_size // 1024
            print(f"  {size:5d}  {kb:7d}  {preview:6.1f} s  {confirm:6.1f} s  {reimport:6.1f} s")
        return 0
    finally:
        if args.keep:
            print(f"kept the database {connection.settings_dict['NAME']}")
        else:
            connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
