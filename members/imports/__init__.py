"""Roster import and export: read a spreadsheet, plan what it changes, apply the plan all or nothing.

Steps, each a function the web views, the Celery tasks and ``manage.py
import_roster`` share:

- ``files.read_roster(data)``: bytes → ``Table``, or ``RosterFileError`` for
  anything that is not a usable spreadsheet;
- ``cells.parse_row``: one row's cells → Member field values and cell errors;
- ``planning.plan_import(table, branch)``: what each row would create, update
  or leave unchanged, and what is wrong with it. Writes nothing;
- ``applying.apply_plan(plan, branch, user)``: writes the plan in bulk inside
  the caller's transaction, with one ``MemberChange`` per member;
- ``lifecycle``: the ``RosterImport`` from upload through preview to confirm;
- ``export``: the roster as a file in the same columns, and the template.
"""

from .applying import apply_plan
from .files import read_roster
from .planning import plan_import

__all__ = ["apply_plan", "plan_import", "read_roster"]
