"""Import use cases: upload (file kept with SHA-256), preview (nothing written), confirm (one transaction)."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import DatabaseError, OperationalError, transaction
from django.utils import timezone

from sanluanwu.accounts import permissions
from sanluanwu.accounts.models import OrgUnit
from sanluanwu.accounts.scope import scope_for
from sanluanwu.accounts.services import require_admin_permission
from sanluanwu.audit.services import diff_fields, record_event, snapshot
from sanluanwu.campaigns.queries import current_campaign
from sanluanwu.core import clock, geo
from sanluanwu.core.errors import Conflict, PermissionDenied, TransitionNotAllowed, ValidationFailed, validate_model
from sanluanwu.core.masking import mask_text
from sanluanwu.core.text import clean_text, strip_controls
from sanluanwu.imports import importer, layout, plans, queries, readers
from sanluanwu.imports.choices import BatchStatus, BatchStep, ImportKind
from sanluanwu.imports.models import ImportBatch, UnitColumnMapping, ValueSynonym
from sanluanwu.registry import cells as parsing

# Files above this are previewed and applied by the job worker, with progress on the page.
BACKGROUND_BYTES = 512 * 1024
PREVIEW_ROWS_SHOWN = 3000


def synonyms() -> dict[str, dict[str, str]]:
    """Built-in synonyms, extended (and overridden) by the ones an admin added."""
    merged = {f: {parsing.key(k): v for k, v in words.items()} for f, words in parsing.DEFAULT_SYNONYMS.items()}
    for field, text, value in ValueSynonym.objects.values_list("field", "text", "value"):
        merged.setdefault(field, {})[parsing.key(text)] = value
    return merged


def upload_import(
    *,
    actor: Any,
    data: bytes,
    filename: str,
    kind: str,
    unit: OrgUnit | None,
    coord_datum: str = geo.DATUM_WGS84,
    all_or_nothing: bool = False,
) -> ImportBatch:
    """Keep the uploaded file unchanged (bytes and SHA-256) as an import batch; nothing is read yet."""
    scope = scope_for(actor)
    permissions.require(scope, "import.upload")
    if kind not in ImportKind.values:
        raise ValidationFailed({"kind": ["请选择导入类型"]})
    towns = permissions.towns_allowing(scope, "import.upload")
    if unit is None and towns is not None:
        if len(towns) != 1:
            raise ValidationFailed({"unit": ["请选择导入单位（镇、街道或开发区）"]})
        unit = OrgUnit.objects.get(pk=next(iter(towns)))  # a town's own user: the one town there is to choose
    if unit is not None and not permissions.allows(scope, "import.upload", town_id=unit.pk):
        raise PermissionDenied(f"您无权导入{unit.name}的数据")
    if len(data) > readers.MAX_BYTES:
        raise ValidationFailed({"file": [f"文件过大（{len(data) / 1024 / 1024:.1f} MB），单个文件不超过 20 MB"]})
    if not data:
        raise ValidationFailed({"file": ["请选择要导入的文件"]})
    if coord_datum not in (geo.DATUM_WGS84, geo.DATUM_GCJ02):
        raise ValidationFailed({"coord_datum": ["坐标系只能是 WGS-84/CGCS2000 或 GCJ-02"]})
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            kind=kind, unit=unit, filename=strip_controls(filename)[:255], content=data, sha256=hashlib.sha256(data).hexdigest(),
            size=len(data), coord_datum=coord_datum, all_or_nothing=all_or_nothing,
            created_by_id=actor.pk, created_by_label=actor.username, created_at=clock.now(),
        )  # fmt: skip
        record_event(actor=actor, action="imports.batch.uploaded", obj=batch,
                     changes={"filename": [None, batch.filename], "sha256": [None, batch.sha256]})  # fmt: skip
    return batch


def _progress_reporter(batch: ImportBatch, start: int, span: int) -> Any:
    """Write the share of rows checked to the batch, so the page of a background import shows it moving."""

    def report(done: int, total: int) -> None:
        value = start + span * done // total
        moved = (ImportBatch.objects.filter(pk=batch.pk).exclude(status=BatchStatus.CANCELLED)
                 .update(progress=value, heartbeat_at=clock.now()))  # fmt: skip
        if not moved:  # cancelled meanwhile (cancel_import): stop reading; nothing of it was written
            raise ImportCancelled()

    return report


# The name of the summary sheet the system's own workbooks carry beside 附件2 (reporting.exports).
SUMMARY_SHEET = "汇总"
NO_HEADER = {
    ImportKind.LIST: "在文件中没有找到表头：没有一行像附件2（动态管理整治企业清单）的表头（应含“企业名称”“详细地址”"
                     "“整治类型”等列）。请确认上传的是附件2，或在“导入内容”中选择正确的类型",
    ImportKind.BASELINE: "在文件中没有找到表头：没有一行像2018-2019年集中整治名单的表头（应含“企业名称”“整治方式”等列）。"
                         "请确认上传的是2018-2019年集中整治名单，或在“导入内容”中选择正确的类型",
}  # fmt: skip


def _plan(
    batch: ImportBatch, actor: Any, *, progress_start: int = 0, synonyms_now: dict[str, dict[str, str]] | None = None
) -> importer.Plan:
    sheets = readers.read_sheets(bytes(batch.content), batch.filename)
    campaign = current_campaign()
    year = campaign.starts_on.year if campaign else clock.today().year
    remembered = queries.remembered_columns(batch.unit_id, batch.kind)
    found = []
    shown: dict[str, dict[str, Any]] = {}  # sheets not planned: what the preview says of them
    for sheet in sheets:
        mapping = {
            int(c): f
            for c, f in (batch.column_mapping.get(sheet.name) or {}).items()
            if str(c).isascii() and str(c).isdigit()
        }
        found_layout = layout.find_layout(sheet.rows, batch.kind, mapping, remembered)
        if found_layout is None:
            if any(any(parsing.text(v) for v in row) for row in sheet.rows):
                shown[sheet.name] = {"skipped": "未找到表头，整张工作表未导入"}
            continue
        found_layout.sheet_date = layout.find_sheet_date(sheet.rows, found_layout, year=year)
        if layout.incomplete(found_layout, batch.kind):
            # Too few columns recognised to read rows: the preview names them and asks what the others are.
            shown[sheet.name] = {**layout.describe(found_layout, batch.kind), "incomplete": True}
            continue
        found.append((sheet, found_layout))
    if found:
        # The 汇总 sheet of the system's own report or district workbook: figures, not enterprises. Beside a list that
        # was read it is no list with odd headers to map, only a sheet not imported.
        for name, info in shown.items():
            if info.get("incomplete") and SUMMARY_SHEET in name:
                shown[name] = {"skipped": "汇总表（统计数字，不是企业清单），未导入"}
    if not found and not any(info.get("incomplete") for info in shown.values()):
        raise readers.UnreadableFile(NO_HEADER[ImportKind(batch.kind)])
    ctx = importer.Context(scope=scope_for(actor), unit=batch.unit, campaign=campaign, datum=batch.coord_datum,
                           synonyms=synonyms_now if synonyms_now is not None else synonyms(), kind=batch.kind)  # fmt: skip
    plan = importer.plan_rows(found, kind=batch.kind, ctx=ctx, progress=_progress_reporter(batch, progress_start, 45))
    described = {**plan.sheet_layouts, **shown}
    plan.sheet_layouts = {s.name: described[s.name] for s in sheets if s.name in described}  # in the file's order
    return plan


def _sheet_notes(plan: importer.Plan) -> list[str]:
    """What the preview says first about sheets that need the user: a header recognised only in part."""
    notes = []
    for name, info in plan.sheet_layouts.items():
        if info.get("incomplete"):
            labels = list(info["columns"].values())
            found = "、".join(labels[:8]) + (f" 等 {len(labels)} 列" if len(labels) > 8 else "") or "无"
            if info["missing_required"]:
                said = f"表头里没有找到必需的列：{'、'.join(info['missing_required'])}（已识别：{found}）"
            else:
                said = f"表头只识别出：{found}；缺少：{'、'.join(info['missing_usual'][:8])}"
            notes.append(f"工作表“{name}”的{said}。请在下方指定各列的含义后重新预览"
                         "（指定会被记住，下次上传同类表格时自动对应）")  # fmt: skip
    return notes


def _sheet_date(plan: importer.Plan) -> Any:
    """The batch's as-of date: the sheets' own 填报日期 (the latest, if sheets differ), None when none gives one."""
    dates = [info["sheet_date"] for info in plan.sheet_layouts.values()
             if info.get("sheet_date") and not info.get("error") and not info.get("incomplete")]  # fmt: skip
    return dt.date.fromisoformat(max(dates)) if dates else None


def _summary(plan: importer.Plan) -> dict[str, Any]:
    # Errors first, then new rows that may be on record already, changes, the other new rows: what a clerk must
    # look at comes first.
    order = {"error": 0, "changed": 2, "new": 3, "skipped": 4}
    # An unchanged row is listed only when it says something the clerk must read (progress the system holds back).
    listed = sorted((r for r in plan.rows if r.outcome != "unchanged" or r.warnings),
                    key=lambda r: 1 if r.warnings else order[r.outcome])  # fmt: skip
    shown = sorted(listed[:PREVIEW_ROWS_SHOWN], key=lambda r: (r.sheet, r.row))
    return {
        "sheets": plan.sheet_layouts,
        "rows": [r.public() for r in shown],
        "rows_truncated": max(len(listed) - PREVIEW_ROWS_SHOWN, 0),
        # Kept masked, like the rows (RowResult.public): page and API read this summary, and an error quotes the cell.
        "errors": [
            {"sheet": r.sheet, "row": r.row, **e, "name": mask_text(r.name), "message": mask_text(e.get("message", ""))}
            for r in plan.rows
            if r.errors
            for e in r.errors
        ],
        "warnings": [
            {"sheet": r.sheet, "row": r.row, "name": mask_text(r.name), "message": mask_text(w)}
            for r in plan.rows
            for w in r.warnings
        ],
    }


# The progress a background confirm shows while it writes the rows (one transaction: nothing moves until it commits).
WRITING_PROGRESS = 96


def is_writing(batch: ImportBatch) -> bool:
    return batch.status == BatchStatus.APPLYING and batch.progress >= WRITING_PROGRESS


# A batch no step may start from again: it is done, or a job is on it.
SETTLED = (BatchStatus.APPLIED, BatchStatus.CANCELLED)
NOT_PREVIEWABLE = (*SETTLED, BatchStatus.QUEUED, BatchStatus.PREVIEWING, BatchStatus.APPLYING)


class ImportCancelled(Conflict):
    """The batch was cancelled (cancel_import) while a step was on it: the step stops and writes nothing."""

    def __init__(self) -> None:
        super().__init__("该批次已取消，没有导入任何数据；如需导入请重新上传")


def _hold(batch: ImportBatch, allowed: tuple[str, ...] | frozenset[str], *, nowait: bool = False) -> None:
    """Lock the batch's row for the caller's transaction and check it still stands where the step began: two
    confirms pressed at once (two tabs, a double click, the API and the page) write once; the second is told.
    `nowait`: a row locked by a step writing (an import's write, seconds long) is refused at once, not waited for."""
    try:
        current = (ImportBatch.objects.select_for_update(no_key=True, nowait=nowait)
                   .values_list("status", flat=True).get(pk=batch.pk))  # fmt: skip
    except OperationalError:
        raise Conflict("该批次正在写入数据库，不能取消；请等导入完成后查看结果") from None
    if current == BatchStatus.CANCELLED and BatchStatus.CANCELLED not in allowed:
        raise ImportCancelled()
    if current not in allowed:
        label = BatchStatus(current).label
        raise Conflict(f"该批次当前状态为“{label}”，可能已由他人（或另一个窗口）处理，请刷新页面查看")


def _record(actor: Any, batch: ImportBatch, action: str, *, fields: list[str], changes: dict[str, Any] | None = None,
            note: str = "") -> None:  # fmt: skip
    """Save the batch's own state with its audit event, inside the caller's transaction."""
    batch.save(update_fields=fields)
    record_event(actor=actor, action=action, obj=batch, changes=changes or {"status": [None, batch.status]}, note=note)


def preview_import(
    *, actor: Any, batch: ImportBatch, column_mapping: dict[str, dict[str, str]] | None = None
) -> ImportBatch:
    """Read and check every row; write nothing but the preview on the batch (its state audited with it)."""
    permissions.require(scope_for(actor), "import.upload", town_id=batch.unit_id)
    entry = batch.status
    if entry in SETTLED:
        raise TransitionNotAllowed(f"该批次当前状态为“{batch.get_status_display()}”，不能再预览；如需再导入请重新上传")
    if column_mapping is not None:
        batch.column_mapping = column_mapping
        batch.save(update_fields=["column_mapping"])
    words = synonyms()
    # Taken before reading: a change that lands while the preview plans moves the watermark past it.
    fingerprint = plans.fingerprint(batch, actor, words)
    try:
        plan = _plan(batch, actor, synonyms_now=words)
    except readers.UnreadableFile as exc:
        plans.discard(batch)
        with transaction.atomic():
            _hold(batch, (entry,))
            batch.status, batch.message, batch.counts, batch.preview = BatchStatus.REJECTED, mask_text(str(exc)), {}, {}
            batch.step = BatchStep.PREVIEW
            _record(actor, batch, "imports.batch.rejected", fields=["status", "message", "counts", "preview", "step"],
                    note=str(exc)[:500])  # fmt: skip
        return batch
    plans.store(batch, plan, fingerprint)
    batch.counts = plan.counts()
    batch.preview = _summary(plan)
    batch.sheet_date = _sheet_date(plan)
    notes = _sheet_notes(plan)
    # The same file imported before, for the same unit and among the batches this user may see (never another town's).
    same = (queries.batches_visible_to(actor).filter(sha256=batch.sha256, status=BatchStatus.APPLIED, unit_id=batch.unit_id)
            .exclude(pk=batch.pk).order_by("-applied_at").first())  # fmt: skip
    if same and same.applied_at:
        notes.append(f"该文件已于 {timezone.localtime(same.applied_at):%Y-%m-%d %H:%M} 导入过（批次 #{same.pk}）；"
                     "再次导入只会写入有变化的行。")  # fmt: skip
    batch.message = "\n".join(notes)
    batch.status, batch.step, batch.progress = BatchStatus.PREVIEWED, BatchStep.PREVIEW, 50
    with transaction.atomic():
        _hold(batch, (entry,))
        _record(actor, batch, "imports.batch.previewed",
                fields=["counts", "preview", "sheet_date", "message", "status", "step", "progress"],
                changes={k: [None, v] for k, v in batch.counts.items()})  # fmt: skip
    return batch


def confirm_import(
    *, actor: Any, batch: ImportBatch, all_or_nothing: bool | None = None, by_worker: bool = False
) -> ImportBatch:
    """Apply every valid row in one transaction (or nothing if the user chose all-or-nothing and a row is wrong).

    The batch becomes 已导入 in the transaction that writes the rows, with its audit event; a failure leaves the
    rows unwritten and the batch 导入失败 with the reason, to be corrected or retried. `by_worker`: the job worker's
    confirm, which start() moved to 正在导入; any other caller (a page, the API, a command) confirms only from 待确认
    (or a failed confirm), so a press while the worker imports is refused at once and changes nothing.
    """
    permissions.require(scope_for(actor), "import.confirm", town_id=batch.unit_id)
    entry = batch.status
    if not by_worker:
        check_confirmable(batch)
    elif entry != BatchStatus.APPLYING:
        raise Conflict(f"该批次当前状态为“{batch.get_status_display()}”，不是后台导入中的批次")
    if all_or_nothing is not None:
        batch.all_or_nothing = all_or_nothing
    batch.step = BatchStep.CONFIRM
    words = synonyms()
    # The preview's plan when nothing it depended on has changed since; otherwise read and check the file again.
    plan = plans.load(batch, plans.fingerprint(batch, actor, words))
    if plan is None:
        try:
            plan = _plan(batch, actor, progress_start=50, synonyms_now=words)
        except readers.UnreadableFile as exc:
            plans.discard(batch)
            with transaction.atomic():
                _hold(batch, (entry,))
                batch.status, batch.message = BatchStatus.REJECTED, str(exc)
                _record(actor, batch, "imports.batch.rejected", fields=["status", "message", "all_or_nothing", "step"],
                        note=str(exc)[:500])  # fmt: skip
            return batch
    counts = plan.counts()
    if batch.all_or_nothing and counts["error"]:
        with transaction.atomic():
            _hold(batch, (entry,))
            batch.status = BatchStatus.FAILED
            batch.message = (f"有 {counts['error']} 行有错误；按“全部成功才导入”的选择，没有导入任何数据。"
                             "请修改后重新上传。")  # fmt: skip
            batch.counts, batch.preview = counts, _summary(plan)
            _record(actor, batch, "imports.batch.failed",
                    fields=["status", "message", "counts", "preview", "all_or_nothing", "step"], note=batch.message)  # fmt: skip
        return batch
    # The rows' audit events take the audit chain's append lock, which every audited writer of the site waits for
    # until this transaction commits: the batch's summary (sorting and masking the rows, a megabyte of JSON, 1.6 s of
    # the lock's 2.5 s for 10,000 rows) is made and written before the rows, so that after them only the state moves.
    summary, message = _summary(plan), applied_message(counts)
    if by_worker:
        # The job worker's write: the batch's row stays locked until it ends, so its progress cannot move meanwhile.
        # The page says the rows are being written (WRITING_PROGRESS) instead of a bar standing still.
        ImportBatch.objects.filter(pk=batch.pk).update(progress=WRITING_PROGRESS, heartbeat_at=clock.now())
        batch.progress = WRITING_PROGRESS
    try:
        with transaction.atomic():
            _hold(batch, (entry,))
            batch.counts, batch.result, batch.message = counts, summary, message
            batch.save(update_fields=["counts", "result", "message", "all_or_nothing", "step"])
            importer.apply_plan(plan, actor=actor, campaign=current_campaign(), batch_label=f"导入批次 #{batch.pk}")
            batch.status = BatchStatus.APPLIED
            batch.applied_at = clock.now()
            batch.progress = 100
            _record(actor, batch, "imports.batch.applied", fields=["status", "applied_at", "progress"],
                    changes={k: [None, v] for k, v in counts.items()})  # fmt: skip
    except DatabaseError as exc:
        # Nothing was written (the transaction rolled back); say so on the batch, which can be confirmed again.
        fail(
            actor=actor,
            batch=batch,
            reason=f"写入数据库时出错，没有导入任何数据（{exc.__class__.__name__}），可重新确认导入",
        )
        return batch
    plans.discard(batch)
    return batch


def queue(*, actor: Any, batch: ImportBatch, step: str, all_or_nothing: bool | None = None) -> ImportBatch:
    """Hand a step to the job worker: the batch waits 排队中, audited; the job is enqueued once this commits. A
    confirm's all-or-nothing choice is saved with it, never by a confirm that is refused."""
    code = "import.upload" if step == BatchStep.PREVIEW else "import.confirm"
    permissions.require(scope_for(actor), code, town_id=batch.unit_id)
    if step == BatchStep.CONFIRM:
        check_confirmable(batch)
    elif batch.status in NOT_PREVIEWABLE:
        raise TransitionNotAllowed(f"该批次当前状态为“{batch.get_status_display()}”，不能再预览")
    with transaction.atomic():
        _hold(batch, (batch.status,))
        fields = ["status", "step", "heartbeat_at", "job_id"]
        if step == BatchStep.CONFIRM and all_or_nothing is not None:
            batch.all_or_nothing = all_or_nothing
            fields.append("all_or_nothing")
        batch.status, batch.step, batch.heartbeat_at, batch.job_id = BatchStatus.QUEUED, step, clock.now(), ""
        changes: dict[str, Any] = {"status": [None, batch.status]}
        if "all_or_nothing" in fields:
            changes["all_or_nothing"] = [None, batch.all_or_nothing]
        _record(actor, batch, "imports.batch.queued", fields=fields, changes=changes, note=BatchStep(step).label)
    return batch


def start(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """The job worker took the batch up: 正在预览 / 正在导入, with a heartbeat the page and settle() read."""
    with transaction.atomic():
        _hold(batch, (BatchStatus.QUEUED,))
        batch.status = BatchStatus.PREVIEWING if batch.step == BatchStep.PREVIEW else BatchStatus.APPLYING
        batch.heartbeat_at = clock.now()
        _record(actor, batch, "imports.batch.started", fields=["status", "heartbeat_at"])
    return batch


def fail(*, actor: Any, batch: ImportBatch, reason: str) -> ImportBatch:
    """A step ended in an error no row caused (a database error, a job that ran out of memory): nothing of it was
    written; the batch says why and may be tried again."""
    with transaction.atomic():
        batch.refresh_from_db(fields=["status"])
        if batch.status in SETTLED:
            return batch  # another confirm finished it meanwhile: what this one failed at was never its to do
        batch.status, batch.message = BatchStatus.FAILED, reason
        _record(actor, batch, "imports.batch.failed", fields=["status", "message", "step"], note=reason[:500])
    return batch


def interrupt(*, batch: ImportBatch, reason: str) -> ImportBatch:
    """A background job that stopped without a word (the worker was killed, the server restarted)."""
    from sanluanwu.accounts.scope import OperatorActor

    with transaction.atomic():
        batch.status, batch.message = BatchStatus.INTERRUPTED, reason
        _record(OperatorActor("import-watch"), batch, "imports.batch.interrupted", fields=["status", "message"],
                note=reason[:500])  # fmt: skip
    return batch


def retry(*, actor: Any, batch: ImportBatch) -> ImportBatch:
    """Take an interrupted or failed step up again: the preview reads the file anew, the confirm re-applies."""
    if batch.status not in (BatchStatus.INTERRUPTED, BatchStatus.FAILED):
        raise ValidationFailed(f"该批次当前状态为“{batch.get_status_display()}”，不需要重试")
    code = "import.upload" if batch.step == BatchStep.PREVIEW else "import.confirm"
    permissions.require(scope_for(actor), code, town_id=batch.unit_id)
    with transaction.atomic():
        batch.status = BatchStatus.PREVIEWED if batch.step == BatchStep.CONFIRM else BatchStatus.UPLOADED
        _record(actor, batch, "imports.batch.retried", fields=["status"], note=BatchStep(batch.step).label)
    return batch


# Where a batch may be cancelled from: before its rows are written (a confirm's write phase is refused, see below).
CANCELLABLE = (BatchStatus.UPLOADED, BatchStatus.QUEUED, BatchStatus.PREVIEWING, BatchStatus.PREVIEWED,
               BatchStatus.APPLYING, BatchStatus.FAILED, BatchStatus.INTERRUPTED)  # fmt: skip


def why_not_cancellable(batch: ImportBatch) -> str | None:
    if batch.status == BatchStatus.REJECTED:
        return "该表格无法读取，本来就不会导入任何数据，不需要取消"
    if batch.status not in CANCELLABLE:
        return f"该批次当前状态为“{batch.get_status_display()}”，不能取消"
    if is_writing(batch):
        return "该批次正在写入数据库，不能取消；请等导入完成后查看结果"
    return None


def cancel_denial(actor: Any, batch: ImportBatch) -> str | None:
    """Why the actor may not cancel the batch, or None: a cancel undoes the step the batch is at, so it needs that
    step's permission in the batch's town (read by the service and by the page that offers the button)."""
    code = "import.upload" if batch.step == BatchStep.PREVIEW else "import.confirm"
    if denied := permissions.denial(scope_for(actor), code, town_id=batch.unit_id):
        # The permission table names the step it guards (上传并预览 / 确认导入): say it is that step being undone.
        return f"不能取消该导入批次：{denied}"
    return None


def cancel_import(*, actor: Any, batch: ImportBatch, reason: str = "") -> ImportBatch:
    """取消导入: the batch becomes 已取消 and none of its rows will be written; audited with the reason. A background
    step on it stops at its next progress report (every 5 % of its rows, 500 to 5,000 apart) or, at the latest,
    finds it cancelled when it would write; a confirm already writing its rows is refused at once (its row lock is not
    waited for). The original file stays, downloadable as before."""
    if denied := cancel_denial(actor, batch):
        raise PermissionDenied(denied)
    if why := why_not_cancellable(batch):
        raise TransitionNotAllowed(why)
    note = clean_text(reason or "")[:200]
    entry = batch.status
    with transaction.atomic():
        _hold(batch, (entry,), nowait=True)
        # The batch's message is shown to whoever sees the batch: its numbers masked, as every batch message is.
        batch.status = BatchStatus.CANCELLED
        batch.message = "已取消，没有导入任何数据" + (f"（{mask_text(note)}）" if note else "")
        _record(actor, batch, "imports.batch.cancelled", fields=["status", "message"],
                changes={"status": [entry, batch.status]}, note=note)  # fmt: skip
    plans.discard(batch)
    return batch


def applied_message(counts: dict[str, int]) -> str:
    text = f"已导入：新增 {counts['new']} 条，变更 {counts['changed']} 条，未变 {counts['unchanged']} 条"
    return text + (f"；{counts['error']} 行有错误未导入" if counts["error"] else "")


def has_valid_rows(batch: ImportBatch) -> bool:
    return any(batch.counts.get(k) for k in ("new", "changed", "unchanged"))


def why_not_confirmable(batch: ImportBatch) -> str | None:
    """Why the confirm button is off (the page says it beside the button), or None when it may be pressed."""
    if batch.status not in (BatchStatus.PREVIEWED, BatchStatus.FAILED) or (
        batch.step == BatchStep.PREVIEW and (batch.status == BatchStatus.FAILED)
    ):
        return f"该批次当前状态为“{batch.get_status_display()}”，不能确认导入"
    if has_valid_rows(batch):
        return None
    sheets = (batch.preview or {}).get("sheets", {}).values()
    if any(info.get("incomplete") for info in sheets):
        return "没有可导入的行：表头未能完整识别，请先在下方指定各列的含义"
    if batch.counts.get("error"):
        return f"没有可导入的行：{batch.counts['error']} 行都有错误，请按下方说明修改表格后重新上传"
    return "没有可导入的行：表中没有找到数据行"


def check_confirmable(batch: ImportBatch) -> None:
    reason = why_not_confirmable(batch)
    if reason:
        raise ValidationFailed(reason)


def runs_in_background(batch: ImportBatch) -> bool:
    return batch.size > BACKGROUND_BYTES


def map_columns(*, actor: Any, batch: ImportBatch, choices: dict[str, dict[str, str]]) -> ImportBatch:
    """The user says what columns mean (sheet → column → field). Kept for this upload, and remembered for the
    unit's next uploads of the same kind by the header's text (columns move between sheets, headers stay)."""
    permissions.require(scope_for(actor), "import.upload", town_id=batch.unit_id)
    if batch.status in NOT_PREVIEWABLE:
        raise TransitionNotAllowed(f"该批次当前状态为“{batch.get_status_display()}”，不能再修改列对应")
    allowed = set(layout.fields_for(batch.kind)) | {"ignore"}
    sheets = (batch.preview or {}).get("sheets", {})
    for sheet, columns in choices.items():
        known = {column for column, _header, _field in (sheets.get(sheet) or {}).get("mappable", [])}
        for column, fname in columns.items():
            if column not in known:
                raise ValidationFailed(f"工作表“{sheet}”没有需要指定含义的第 {column} 列，请刷新页面后重新指定")
            if fname not in allowed:
                raise ValidationFailed(f"“{fname}”不是可选的列含义，请刷新页面后重新指定")
        chosen: dict[str, list[str]] = {}
        for column, fname in columns.items():
            if fname != "ignore":
                chosen.setdefault(fname, []).append(column)
        for fname, cols in chosen.items():
            if len(cols) > 1:
                headers = {c: h for c, h, _f in (sheets.get(sheet) or {}).get("mappable", [])}
                named = "、".join(f"“{headers.get(c) or c}”" for c in cols)
                raise ValidationFailed(f"工作表“{sheet}”中 {named} 都指定为“{layout.FIELD_LABELS.get(fname, fname)}”；"
                                       "每个含义只能对应一列，其余请选“（不导入）”")  # fmt: skip
    mapping: dict[str, dict[str, str]] = {name: dict(cols) for name, cols in (batch.column_mapping or {}).items()}
    remembered: dict[str, str] = {}
    with transaction.atomic():
        for sheet, columns in choices.items():
            info = sheets.get(sheet) or {}
            headers = {column: header for column, header, _field in info.get("mappable", [])}
            for column, fname in columns.items():
                mapping.setdefault(sheet, {})[column] = fname
                header_key = info.get("memory_keys", {}).get(column)
                if batch.unit_id is None or not header_key:
                    continue
                UnitColumnMapping.objects.update_or_create(
                    unit_id=batch.unit_id, kind=batch.kind, header_key=header_key[:200],
                    defaults={"field": fname, "header": headers.get(column, header_key)[:200],
                              "updated_by_id": actor.pk, "updated_at": clock.now()},
                )  # fmt: skip
                remembered[headers.get(column, header_key)] = fname
        changes: dict[str, list[Any]] = {"column_mapping": [batch.column_mapping, mapping]}
        if remembered:
            changes["remembered"] = [None, remembered]
        batch.column_mapping = mapping
        batch.save(update_fields=["column_mapping"])
        record_event(actor=actor, action="imports.batch.mapped", obj=batch, changes=changes)
    return batch


def clear_column_mappings(*, actor: Any, unit: OrgUnit) -> int:
    """Forget every column mapping the unit's users made in previews; returns how many were forgotten."""
    permissions.require(scope_for(actor), "import.upload", town_id=unit.pk)
    with transaction.atomic():
        mappings = UnitColumnMapping.objects.select_for_update(no_key=True).filter(unit=unit)
        forgotten = {f"{m.get_kind_display()}：{m.header}": m.field for m in mappings}
        if not forgotten:
            return 0
        mappings.delete()
        record_event(actor=actor, action="imports.column_mappings.cleared", obj=unit,
                     changes={"column_mappings": [forgotten, None]})  # fmt: skip
    return len(forgotten)


SYNONYM_AUDITED = ["field", "text", "value"]


def save_value_synonym(*, actor: Any, synonym: ValueSynonym) -> ValueSynonym:
    """A word for a value, added or changed in the admin: checked against the values the column takes, audited."""
    new = synonym.pk is None
    require_admin_permission(actor, "imports.add_valuesynonym" if new else "imports.change_valuesynonym",
                             "新增取值同义词" if new else "修改取值同义词")  # fmt: skip
    synonym.text = clean_text(synonym.text)
    validate_model(synonym)
    with transaction.atomic():
        stored = ValueSynonym.objects.select_for_update(no_key=True).filter(pk=synonym.pk).first() if not new else None
        before = snapshot(stored, SYNONYM_AUDITED) if stored else {}
        synonym.save()
        changes = diff_fields(before, snapshot(synonym, SYNONYM_AUDITED))
        if new or changes:
            record_event(actor=actor, action="imports.value_synonym.created" if new else "imports.value_synonym.updated",
                         obj=synonym, changes=changes)  # fmt: skip
    return synonym


def delete_value_synonym(*, actor: Any, synonym: ValueSynonym) -> None:
    """The event keeps what the synonym was; imports read from then on without it."""
    require_admin_permission(actor, "imports.delete_valuesynonym", "删除取值同义词")
    with transaction.atomic():
        stored = ValueSynonym.objects.select_for_update(no_key=True).filter(pk=synonym.pk).first()
        if stored is None:
            return
        record_event(actor=actor, action="imports.value_synonym.deleted", obj=stored,
                     changes={k: [v, None] for k, v in snapshot(stored, SYNONYM_AUDITED).items()})  # fmt: skip
        stored.delete()


def download_original(*, actor: Any, batch: ImportBatch) -> bytes:
    """The uploaded sheet exactly as received: it holds phone numbers in clear, so only for those who may see them
    (import.download in the batch's unit) and audited each time, with the file's SHA-256."""
    permissions.require(scope_for(actor), "import.download", town_id=batch.unit_id)
    content = bytes(ImportBatch.objects.values_list("content", flat=True).get(pk=batch.pk))
    with transaction.atomic():
        record_event(actor=actor, action="imports.batch.downloaded", obj=batch,
                     changes={"sha256": [None, hashlib.sha256(content).hexdigest()], "size": [None, len(content)]})  # fmt: skip
    return content
