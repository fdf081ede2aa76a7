"""Reading queue-ticket logs (README "Ticket logs"): the input of ``countysim fit``.

:func:`read_tickets` reads a CSV export of a hall's queue-ticket system (排队叫号系统) —
the format ``countysim run --ticket-log`` writes, or a county's own export with Chinese
headers, outcome values and time formats, in UTF-8 or GBK — into a DataFrame with the
canonical columns. Problems that make a row unusable are errors (:class:`BadInput`, exit 2)
naming the file, the row's line and the column; rows that are fine but cannot inform an
estimate (a ticket still pending) are kept and counted by reason in :class:`Dropped`.
"""

from __future__ import annotations

import codecs
import io
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.errors import BadInput, ScenarioError, shown

__all__ = [
    "COLUMNS",
    "MAX_TICKET_BYTES",
    "OUTCOMES",
    "REQUIRED",
    "TIME_FORMATS",
    "Dropped",
    "parse_columns",
    "read_items",
    "read_tickets",
    "read_towns",
]

MAX_TICKET_BYTES = 2_000_000_000
"""Largest ticket log read (about 15 million rows)."""
CHUNK_ROWS = 100_000
"""Rows parsed at a time; each chunk's text columns become categories before the next."""
TEXT_COLUMNS = ("hall", "window", "item", "department", "town", "citizen", "replication")
"""Columns kept as categories (few distinct values, or shared by many rows)."""
OUTCOME_CODES = {"documents_missing": 0, "done": 1, "pending": 2, "sent_home": 3}
COLUMNS = (
    "ticket",
    "hall",
    "window",
    "item",
    "department",
    "town",
    "citizen",
    "arrive",
    "call",
    "end",
    "outcome",
)
"""The canonical columns, in the order ``run --ticket-log`` writes them (the format is
defined here; :mod:`sim.eventlog` writes it)."""
REQUIRED = ("hall", "item", "arrive", "call", "end")
"""Columns a log must have (by name, alias or ``--columns``)."""
OPTIONAL = ("ticket", "window", "department", "town", "citizen", "outcome", "replication")
ALIASES = {
    "票号": "ticket",
    "排队号": "ticket",
    "大厅": "hall",
    "服务大厅": "hall",
    "办事大厅": "hall",
    "窗口": "window",
    "窗口号": "window",
    "事项": "item",
    "事项名称": "item",
    "事项编码": "item",
    "部门": "department",
    "办理部门": "department",
    "乡镇": "town",
    "所属乡镇": "town",
    "户籍乡镇": "town",
    "办事人": "citizen",
    "证件号": "citizen",
    "申请人编号": "citizen",
    "取号时间": "arrive",
    "叫号时间": "call",
    "办结时间": "end",
    "结束时间": "end",
    "办理结果": "outcome",
    "结果": "outcome",
}
"""Built-in Chinese headers (no ``--columns`` needed)."""
OUTCOMES = {
    "done": "done",
    "办结": "done",
    "已办结": "done",
    "documents_missing": "documents_missing",
    "补正": "documents_missing",
    "材料不全": "documents_missing",
    "需补正": "documents_missing",
    "sent_home": "sent_home",
    "未办理": "sent_home",
    "过号": "sent_home",
    "离开": "sent_home",
    "pending": "pending",
    "办理中": "pending",
    "等候中": "pending",
}
"""Outcome values, English and Chinese, to the canonical outcome."""
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y%m%d%H%M%S",
    "%Y-%m-%dT%H:%M:%S",
)
"""Time formats tried in order (each vectorised over the rows not parsed yet)."""
DROP_REASONS = {
    "pending": "outcome pending (still waiting or in service when the log ends): counted as "
    "an arrival; no service time, outcome or return",
    "never served": "no call or end time (sent home, left): counted as an arrival; no "
    "service time or outcome",
}
"""Why rows are left out of some estimates (:class:`Dropped`)."""


@dataclass
class Dropped:
    """Rows left out of estimates, by reason (never silently): ``rows[reason]`` counts them,
    :data:`DROP_REASONS` says what they are still used for."""

    rows: dict[str, int] = field(default_factory=dict)
    total: int = 0
    """Rows read."""

    def table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"reason": r, "rows": n, "meaning": DROP_REASONS.get(r, "")}
                for r, n in self.rows.items()
            ],
            columns=["reason", "rows", "meaning"],
        )


def _open_regular(path: Path, limit: int) -> int:
    """A descriptor of the regular file ``path`` of at most ``limit`` bytes, or
    :class:`BadInput` saying why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a pipe would block an open
    except FileNotFoundError:
        raise BadInput(f"{path}: file not found") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot open the file ({exc.strerror})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        what = (
            "a folder"
            if stat.S_ISDIR(info.st_mode)
            else "not a regular file (a device, pipe or socket)"
        )
        raise BadInput(f"{path}: is {what}, not a ticket log")
    if info.st_size > limit:
        os.close(fd)
        raise BadInput(f"{path}: is larger than {limit / 1e6:g} MB")
    return fd


def _read_bytes(path: Path, limit: int = MAX_TICKET_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or :class:`BadInput`."""
    with os.fdopen(_open_regular(path, limit), "rb") as f:
        data = f.read(limit + 1)
    if len(data) > limit:  # grew since it was measured
        raise BadInput(f"{path}: is larger than {limit / 1e6:g} MB")
    return data


def _codecs(encoding: str, head: bytes) -> list[str]:
    """The codecs to try for ``encoding`` (as :func:`_decode` does)."""
    if encoding == "auto":
        return ["utf-8-sig"] if head.startswith(codecs.BOM_UTF8) else ["utf-8", "gb18030"]
    if encoding.lower().replace("-", "") in ("gbk", "gb2312", "gb18030"):
        return ["gb18030"]
    if encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        return ["utf-8-sig"]
    raise BadInput(f"--encoding: expected auto, utf-8 or gbk, got {shown(encoding)}")


def _decodes(f, codec: str, size: int = 1 << 24) -> bool:
    """Whether the whole of the binary file ``f`` is text in ``codec`` (read in pieces)."""
    f.seek(0)
    decoder = codecs.getincrementaldecoder(codec)()
    try:
        while piece := f.read(size):
            decoder.decode(piece)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@contextmanager
def _open_text(path: Path, encoding: str, limit: int = MAX_TICKET_BYTES) -> Iterator[tuple]:
    """The regular file at ``path`` (at most ``limit`` bytes) open in binary, positioned after
    a byte-order mark, and the codec its text is in (``auto``: UTF-8, else GB18030); the same
    errors as :func:`_read_bytes` and :func:`_decode`, without holding the file in memory."""
    fd = _open_regular(path, limit)
    with os.fdopen(fd, "rb") as f:
        head = f.read(4)
        for codec in _codecs(encoding, head):
            if _decodes(f, codec):
                break
        else:  # not text in any: the whole file, for the message naming the line
            f.seek(0)
            _decode(path, f.read(limit + 1), encoding)
            raise BadInput(f"{path}: not text in {encoding}")  # (_decode raised)
        skip = 0
        if codec == "utf-8-sig":
            codec, skip = "utf-8", 3 if head.startswith(codecs.BOM_UTF8) else 0
        elif codec == "gb18030" and head == "\ufeff".encode("gb18030"):
            skip = 4
        f.seek(skip)
        yield f, codec


def _compact(chunk: pd.DataFrame) -> dict:
    """A chunk's columns, :data:`TEXT_COLUMNS` and ``outcome`` as (codes, distinct values)."""
    columns: dict = {}
    for name in list(chunk.columns):
        if name in (*TEXT_COLUMNS, "outcome"):
            codes, values = pd.factorize(chunk[name])
            columns[name] = (codes.astype(np.int32), values.array)
        else:
            columns[name] = chunk[name]
        del chunk[name]
    return columns


def _concat(parts: list[dict]) -> pd.DataFrame:
    """The chunks as one frame (text columns as categories; index 0, 1, …)."""
    columns = {}
    for name in list(parts[0]):
        pieces = [p.pop(name) for p in parts]
        if isinstance(pieces[0], tuple):
            values = type(pieces[0][1])._concat_same_type([v for _, v in pieces])
            to_all, distinct = pd.factorize(values)  # each chunk's values among all of them
            starts = np.cumsum([0] + [len(v) for _, v in pieces])
            codes = np.concatenate(
                [to_all[start + c] for (c, _), start in zip(pieces, starts, strict=False)]
            ).astype(np.int32)
            columns[name] = pd.Categorical.from_codes(
                codes, categories=pd.Index(distinct, dtype=str)
            )
        else:
            columns[name] = pd.concat(pieces, ignore_index=True)
    return pd.DataFrame(columns)


def _strip(column: pd.Series) -> pd.Series:
    """``column`` with surrounding spaces removed, as a category (sorted categories)."""
    if not isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(str).astype("category")
    stripped = np.asarray(column.cat.categories.astype(str).str.strip(), dtype=object)
    values, inverse = np.unique(stripped, return_inverse=True)
    codes = inverse.astype(np.int32)[column.cat.codes.to_numpy()]
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(values, dtype=str)),
        index=column.index,
        name=column.name,
    )


def _decode(path: Path, data: bytes, encoding: str) -> str:
    """Text of ``data``: ``auto`` is UTF-8 (BOM or not), else GB18030 (which GBK is part of)."""
    if encoding == "auto":
        if data.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            try:
                return data.decode("utf-8")
            except UnicodeDecodeError:
                encoding = "gb18030"
    elif encoding.lower().replace("-", "") in ("gbk", "gb2312", "gb18030"):
        encoding = "gb18030"
    elif encoding.lower().replace("-", "") in ("utf8", "utf8sig"):
        encoding = "utf-8-sig"
    else:
        raise BadInput(f"--encoding: expected auto, utf-8 or gbk, got {shown(encoding)}")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInput(
            f"{path}:{line}: not {encoding.upper()} text (byte 0x{data[exc.start]:02x}); "
            "name the encoding: --encoding utf-8 or --encoding gbk"
        ) from None


def parse_columns(text: str | None) -> dict[str, str]:
    """``--columns canonical=header,…`` as {header: canonical}."""
    mapping: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, header = part.partition("=")
        name, header = name.strip(), header.strip()
        if not sep or not header:
            raise BadInput(f"--columns: expected canonical=header, got {shown(part)}")
        if name not in COLUMNS and name != "replication":
            raise BadInput(
                f"--columns: unknown column {shown(name)}; expected one of "
                f"{', '.join(COLUMNS)}, replication"
            )
        mapping[header] = name
    return mapping


def _rename(path: Path, headers: list[str], columns: dict[str, str]) -> dict[str, str]:
    """{header in the file: canonical name}; errors for a missing or ambiguous column."""
    missing = [h for h in columns if h not in headers]
    if missing:
        raise BadInput(
            f"{path}: --columns names {shown(missing[0])}, which is not a header of the file "
            f"(headers: {shown(', '.join(headers), 200)})"
        )
    chosen = {h: columns[h] for h in headers if h in columns}
    mapped = set(chosen.values())
    for h in headers:
        canonical = ALIASES.get(h) or (h.lower() if h.lower() in (*COLUMNS, *OPTIONAL) else None)
        if h in chosen or canonical is None or canonical in mapped:
            continue  # --columns chose it, or another header for it; or an extra column
        if canonical in chosen.values():
            other = next(k for k, v in chosen.items() if v == canonical)
            raise BadInput(
                f"{path}: headers {shown(other)} and {shown(h)} are both read as {canonical!r}; "
                f"choose one: --columns {canonical}={other}"
            )
        chosen[h] = canonical
    for name in REQUIRED:
        if name not in chosen.values():
            raise BadInput(
                f"{path}:1: column {name!r}: missing (headers: {shown(', '.join(headers), 200)}); "
                f"map it: --columns {name}=HEADER"
            )
    return chosen


def _parse_times(column: pd.Series) -> tuple[pd.Series, int | None, str]:
    """``column`` parsed as times (the listed formats, each vectorised; NaT where empty),
    the position of its first value that matches no format (None if none) and that value."""
    text = column.str.strip()
    empty = text == ""
    result = pd.Series(pd.NaT, index=column.index, dtype="datetime64[us]")
    todo = ~empty
    for fmt in TIME_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        hit = parsed.notna()
        result[parsed.index[hit]] = parsed[hit].astype("datetime64[us]")
        todo[parsed.index[hit]] = False
    if todo.any():
        i = int(np.flatnonzero(todo.to_numpy())[0])
        return result, i, str(text.iloc[i])
    return result, None, ""


def _check_times(path: Path, frame: pd.DataFrame, bad: dict[str, tuple[int, str]]) -> None:
    """An error for the first row of ``arrive``, ``call`` or ``end`` (in that order) that is
    no time (``bad``: {column: (row, text)}), or whose arrival is empty."""
    for name in ("arrive", "call", "end"):
        if name in bad:
            i, text = bad[name]
            raise BadInput(
                f"{path}:{i + 2}: column {name!r}: not a time: {shown(text)} (expected e.g. "
                "2024-03-01 09:15:00, 2024/3/1 9:15, 2024年3月1日 9:15 or 20240301091500)"
            )
        if name == "arrive":
            empty = np.flatnonzero(frame[name].isna().to_numpy())
            if empty.size:
                i = int(empty[0])
                raise BadInput(f"{path}:{i + 2}: column {name!r}: empty (every ticket has a time)")


def read_tickets(
    path: str | Path, columns: dict[str, str] | str | None = None, encoding: str = "auto"
) -> tuple[pd.DataFrame, Dropped]:
    """The tickets of the CSV log at ``path`` and the rows left out of estimates.

    ``columns`` maps headers to canonical names ({header: canonical}, or the ``--columns``
    text ``canonical=header,…``); the built-in Chinese aliases and the canonical names need
    none; other columns are ignored (``replication`` is kept). Returns a DataFrame with the
    canonical columns present (text; ``hall``, ``window``, ``item``, ``department``,
    ``town``, ``citizen``, ``replication`` and ``outcome`` as categories),
    ``arrive``/``call``/``end`` as datetimes (NaT where empty), ``outcome`` canonical
    (inferred where there is no such column: ``done`` when
    served, else ``sent_home``), ``served`` (call and end given, not pending) and ``line``
    (the row's line in the file). Raises :class:`BadInput` naming the file, line and column
    for: a missing required column, an empty hall, item or arrival, a time that is no time,
    an unknown outcome, a call before the arrival or an end before the call."""
    path = Path(path)
    if isinstance(columns, str) or columns is None:
        columns = parse_columns(columns)
    with _open_text(path, encoding) as (handle, codec):
        options = {"dtype": str, "keep_default_na": False, "skip_blank_lines": True}
        start = handle.tell()
        try:
            header = pd.read_csv(handle, encoding=codec, nrows=0, **options)
            headers = [str(c).strip() for c in header.columns]
            rename = _rename(path, headers, columns)
            use = [i for i, h in enumerate(headers) if h in rename]
            handle.seek(start)
            parts = []
            bad: dict[str, tuple[int, str]] = {}
            # in chunks, each made compact (times parsed, text as categories) before the next
            # is parsed; the first value that is no time in each column is kept for its error
            with pd.read_csv(
                handle, encoding=codec, usecols=use, chunksize=CHUNK_ROWS, **options
            ) as reader:
                for chunk in reader:
                    chunk.columns = [rename[headers[i]] for i in use]
                    for name in ("arrive", "call", "end"):
                        chunk[name], i, text = _parse_times(chunk[name])
                        if i is not None and name not in bad:
                            bad[name] = (int(chunk.index[i]), text)
                    parts.append(_compact(chunk))
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise BadInput(f"{path}: not a readable CSV file ({str(exc).strip()[:120]})") from None
    order = list(rename.values())
    if parts:
        frame = _concat(parts)[order]
    else:
        frame = header.iloc[:, use].set_axis([rename[headers[i]] for i in use], axis=1)[order]
        for name in ("arrive", "call", "end"):
            frame[name] = _parse_times(frame[name])[0]
    del parts
    line = frame.index.to_numpy() + 2
    for name in ("hall", "item"):
        frame[name] = _strip(frame[name])
        empty = np.flatnonzero((frame[name] == "").to_numpy())
        if empty.size:
            raise BadInput(f"{path}:{line[empty[0]]}: column {name!r}: empty")
    _check_times(path, frame, bad)
    given = frame["call"].notna() & frame["end"].notna()
    half = np.flatnonzero((frame["call"].notna() ^ frame["end"].notna()).to_numpy())
    if "outcome" in frame:
        raw = _strip(frame["outcome"])
        values = raw.cat.categories
        canonical = values.map(OUTCOMES)
        bad_value = np.asarray(canonical.isna() & (values != ""))
        bad = np.flatnonzero(bad_value[raw.cat.codes.to_numpy()])
        if bad.size:
            raise BadInput(
                f"{path}:{line[bad[0]]}: column 'outcome': unknown outcome "
                f"{shown(raw.iloc[bad[0]])}; expected done, documents_missing, sent_home, "
                "pending (or 办结, 补正, 未办理, 办理中 …)"
            )
        code = np.asarray([OUTCOME_CODES.get(v, -1) for v in canonical.fillna("")], dtype=np.int8)
        code = code[raw.cat.codes.to_numpy()]
    else:
        code = np.full(len(frame), -1, dtype=np.int8)
    inferred = np.where(given.to_numpy(), OUTCOME_CODES["done"], OUTCOME_CODES["sent_home"])
    code = np.where(code < 0, inferred, code).astype(np.int8)
    frame["outcome"] = pd.Categorical.from_codes(
        code, categories=pd.Index(list(OUTCOME_CODES), dtype=str)
    ).remove_unused_categories()
    pending = (frame["outcome"] == "pending").to_numpy()
    served_outcome = frame["outcome"].isin(["done", "documents_missing"]).to_numpy()
    half = half[~pending[half]]
    if half.size:
        i = half[0]
        name = "end" if frame["call"].notna().iloc[i] else "call"
        raise BadInput(
            f"{path}:{line[i]}: column {name!r}: empty while the other of call/end is given"
        )
    late = np.flatnonzero((frame["call"] < frame["arrive"]).to_numpy())
    if late.size:
        raise BadInput(f"{path}:{line[late[0]]}: column 'call': before the arrival (arrive)")
    early = np.flatnonzero((frame["end"] < frame["call"]).to_numpy())
    if early.size:
        raise BadInput(f"{path}:{line[early[0]]}: column 'end': before the call")
    unserved = np.flatnonzero(served_outcome & ~given.to_numpy())
    if unserved.size:
        i = unserved[0]
        raise BadInput(
            f"{path}:{line[i]}: column 'call': empty, but the outcome "
            f"{frame['outcome'].iloc[i]!r} says the ticket was served"
        )
    frame["served"] = given.to_numpy() & served_outcome
    frame["line"] = line
    for name in ("hall", "window", "item", "department", "town", "citizen", "replication"):
        if name in frame:
            frame[name] = _strip(frame[name])
    dropped = Dropped(total=len(frame))
    if pending.any():
        dropped.rows["pending"] = int(pending.sum())
    never = int((~given.to_numpy() & ~pending).sum())
    if never:
        dropped.rows["never served"] = never
    return frame.reset_index(drop=True), dropped


def read_towns(path: str | Path, encoding: str = "utf-8") -> list[dict]:
    """Towns from a CSV in the scenario ``towns_csv`` format (``name, population, x_km,
    y_km, …``), as plain data; :class:`BadInput` if it cannot be read."""
    from sim.scenario.load import _read_towns_csv

    path = Path(path)
    try:
        towns, _ = _read_towns_csv(path.parent, path.name, encoding, (str(path), None))
    except ScenarioError as exc:
        raise BadInput("; ".join(exc.lines).replace("geography.towns_csv: ", "--towns: ")) from None
    for i, town in enumerate(towns):
        for key in ("name", "population"):
            if key not in town:
                raise BadInput(f"{path}:{i + 2}: column {key!r}: missing (every town needs it)")
        town["name"] = str(town["name"])
    return towns


ITEM_FIELDS = ("department", "kind", "online_share", "station_share")


def read_items(path: str | Path, encoding: str = "auto") -> dict[str, dict]:
    """Item facts from a CSV with a header row: ``item`` (or ``id``, 事项, 事项名称, 事项编码)
    and any of ``department`` (部门), ``kind`` (approval or convenience), ``online_share``,
    ``station_share``; {item: {field: value}}."""
    path = Path(path)
    text = _decode(path, _read_bytes(path, 5_000_000), encoding).removeprefix("\ufeff")
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise BadInput(f"{path}: not a readable CSV file ({str(exc).strip()[:120]})") from None
    names = {c: ALIASES.get(c.strip(), c.strip().lower()) for c in frame.columns}
    names = {c: "item" if n == "id" else n for c, n in names.items()}
    frame = frame.rename(columns=names)
    if "item" not in frame:
        raise BadInput(f"{path}:1: column 'item': missing (the item id, as in the ticket log)")
    items: dict[str, dict] = {}
    for i, row in enumerate(frame.to_dict("records")):
        facts: dict = {}
        for key in ITEM_FIELDS:
            value = str(row.get(key, "")).strip()
            if not value:
                continue
            if key.endswith("_share"):
                try:
                    facts[key] = float(value)
                except ValueError:
                    raise BadInput(
                        f"{path}:{i + 2}: column {key!r}: expected a share 0–1, got {shown(value)}"
                    ) from None
                if not 0 <= facts[key] < 1:
                    raise BadInput(f"{path}:{i + 2}: column {key!r}: expected 0 ≤ share < 1")
            elif key == "kind" and value not in ("approval", "convenience"):
                raise BadInput(
                    f"{path}:{i + 2}: column 'kind': expected approval or convenience, "
                    f"got {shown(value)}"
                )
            else:
                facts[key] = value
        items[str(row["item"]).strip()] = facts
    return items
