"""Frameworks of recommendations (the Casey Review, a scrutiny panel's own...) loaded from YAML.

A framework is data: ``data/raw/frameworks/<id>.yaml``. Adding a second framework is adding
a file; nothing here names a particular recommendation.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import pandas as pd
import yaml

from analysis.core import config, settings
from analysis.core.errors import UsageError


class FrameworkError(ValueError):
    """A framework file that is missing or malformed; names the file and the field."""


class UnknownFrameworkError(FrameworkError, UsageError):
    """No framework file with that id; the message lists the available ones."""


@dataclass(frozen=True)
class Item:
    """One recommendation or sub-part."""

    id: str
    parent_id: str | None  # None for a top-level recommendation
    section_id: str
    title: str
    summary: str
    applies_beyond_met: bool
    applicability_note: str = ""
    themes: tuple[str, ...] = ()
    key_measure: str | None = None
    order: int = 0
    forces: tuple[str, ...] = ()  # the forces this item was made to; empty: every force


@dataclass(frozen=True)
class Wording:
    """The framework's own words in a report; each can be set under ``wording:`` in its YAML."""

    asked_label: str = "What was asked"  # before each item's summary
    not_applicable_note: str = "Does not apply to every force."  # beside an item with applies_beyond_met: false
    intro: str = ""  # a paragraph after the contents: what the report covers and how statuses are counted
    key_measures_intro: str = ""  # a paragraph before the key measures (only with has_key_measures)


WORDING_FIELDS = set(Wording.__dataclass_fields__)


@dataclass(frozen=True)
class Framework:
    id: str
    title: str
    short_title: str
    item_label: str
    sections: tuple[tuple[str, str], ...]  # (id, title) in report order
    themes: tuple[tuple[str, str], ...]
    items: tuple[Item, ...] = field(repr=False)
    source_file: Path | None = None
    neutral_sections: tuple[tuple[str, str], ...] = ()  # (id, neutral title) where the framework gives one
    written_for: str = ""  # force id the framework was written for (its own section titles are for it)
    meta: dict = field(default_factory=dict, repr=False, compare=False, hash=False)
    wording: Wording = Wording()
    item_label_plural: str = ""  # from the YAML, else item_label + 's'
    has_key_measures: bool = False  # whether reports carry the key-measures section (the Casey review's rec 16)

    def for_force(self, force_id: str) -> Framework:
        """The items that apply to one force (items without ``forces:`` apply to all)."""
        if not any(i.forces for i in self.items):
            return self
        kept = tuple(i for i in self.items if not i.forces or force_id in i.forces)
        return dataclasses.replace(self, items=kept)

    @property
    def recommendations(self) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.parent_id is None)

    @cached_property
    def recommendation_of(self) -> dict[str, str]:
        """Item id -> the id of the top-level recommendation it belongs to (itself for a recommendation)."""
        return {i.id: (i.parent_id or i.id) for i in self.items}

    def parts_of(self, item_id: str) -> tuple[Item, ...]:
        return tuple(i for i in self.items if i.parent_id == item_id)

    def item(self, item_id: str) -> Item:
        for it in self.items:
            if it.id == item_id:
                return it
        raise KeyError(item_id)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(i.id for i in self.items)

    def section_title(self, section_id: str) -> str:
        return dict(self.sections)[section_id]

    def section_label(self, section_id: str, force_id: str | None = None) -> str:
        """The section's name for a report: the neutral title from the framework file, unless the report is
        for the force the framework was written for (or the framework offers no neutral title)."""
        if force_id and force_id == self.written_for:
            return self.section_title(section_id)
        return dict(self.neutral_sections).get(section_id) or self.section_title(section_id)

    def section_labels(self, force_id: str | None = None) -> dict[str, str]:
        """Section id -> label, in report order."""
        return {sid: self.section_label(sid, force_id) for sid, _ in self.sections}

    def items_frame(self) -> pd.DataFrame:
        """One row per item (recommendations and parts) in report order."""
        rows = [
            {
                "item_id": i.id,
                "recommendation_id": i.parent_id or i.id,
                "is_part": i.parent_id is not None,
                "section_id": i.section_id,
                "section": self.section_title(i.section_id),
                "title": i.title,
                "summary": i.summary,
                "applies_beyond_met": i.applies_beyond_met,
                "applicability_note": i.applicability_note,
                "order": i.order,
            }
            for i in self.items
        ]
        return pd.DataFrame(rows)


def _require(mapping: dict, key: str, path: Path, where: str):
    if not isinstance(mapping, dict) or key not in mapping or mapping[key] in (None, ""):
        raise FrameworkError(f"{path}: {where}: missing required field '{key}'")
    return mapping[key]


def _item(raw: dict, parent: Item | None, path: Path, order: int, section_ids: set[str]) -> Item:
    where = f"recommendation {raw.get('id', '?')}" if isinstance(raw, dict) else "recommendation"
    item_id = str(_require(raw, "id", path, where))
    section = parent.section_id if parent else str(_require(raw, "section", path, where))
    if section not in section_ids:
        raise FrameworkError(f"{path}: {where}: field 'section' names unknown section {section!r}")
    applies = raw.get("applies_beyond_met", parent.applies_beyond_met if parent else True)
    if not isinstance(applies, bool):
        raise FrameworkError(f"{path}: {where}: field 'applies_beyond_met' must be true or false")
    return Item(
        id=item_id,
        parent_id=parent.id if parent else None,
        section_id=section,
        title=str(_require(raw, "title", path, where)).strip(),
        summary=str(raw.get("summary") or "").strip(),
        applies_beyond_met=applies,
        applicability_note=str(raw.get("applicability_note") or "").strip(),
        themes=tuple(raw.get("themes") or (parent.themes if parent else ())),
        key_measure=raw.get("key_measure"),
        forces=tuple(str(f) for f in (raw.get("forces") or (parent.forces if parent else ()))),
        order=order,
    )


def _check_yaml_bounds(text: str, path: Path) -> None:
    """Refuse a YAML document too big or too deep to build, from its parser events (a stream: nothing is built, so
    an alias bomb is counted by what its aliases would expand to, and deep nesting never reaches the recursive
    composer)."""
    values = depth = 0
    expanded: dict[str, int] = {}  # anchor -> values it stands for
    open_collections: list[tuple[str | None, int]] = []
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            values += expanded.get(event.anchor, 1)
        elif isinstance(event, yaml.ScalarEvent):
            values += 1
            if event.anchor:
                expanded[event.anchor] = 1
        elif isinstance(event, yaml.CollectionStartEvent):
            open_collections.append((event.anchor, values))
            values, depth = values + 1, depth + 1
            if depth > settings.FRAMEWORK_MAX_DEPTH:
                raise FrameworkError(
                    f"{path}: line {event.start_mark.line + 1}: nested more than {settings.FRAMEWORK_MAX_DEPTH} "
                    "levels deep, the limit for a framework file"
                )
        elif isinstance(event, yaml.CollectionEndEvent):
            anchor, start = open_collections.pop()
            depth -= 1
            if anchor:
                expanded[anchor] = values - start
        if values > settings.FRAMEWORK_MAX_NODES:
            raise FrameworkError(
                f"{path}: line {event.start_mark.line + 1}: more than {settings.FRAMEWORK_MAX_NODES:,} values once "
                "its YAML aliases are expanded, the limit for a framework file"
            )


def parse_framework(path: Path) -> Framework:
    """Read and check one framework file."""
    path = Path(path)
    try:
        if path.stat().st_size > settings.FRAMEWORK_MAX_FILE_BYTES:
            raise FrameworkError(
                f"{path}: file: size: larger than {settings.FRAMEWORK_MAX_FILE_BYTES // 1024} KB, the limit for a "
                "framework file"
            )
        text = path.read_text(encoding="utf-8")
        _check_yaml_bounds(text, path)
        doc = yaml.safe_load(text)
    except FileNotFoundError as exc:
        raise FrameworkError(f"{path}: framework file not found") from exc
    except yaml.YAMLError as exc:
        raise FrameworkError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise FrameworkError(f"{path}: expected a mapping at the top level")
    sections = tuple((str(s["id"]), str(s["title"])) for s in _require(doc, "sections", path, "top level"))
    neutral = tuple((str(s["id"]), str(s["neutral_title"])) for s in doc["sections"] if s.get("neutral_title"))
    themes = tuple((str(t["id"]), str(t["title"])) for t in (doc.get("themes") or []))
    section_ids = {s for s, _ in sections}
    items: list[Item] = []
    for raw in _require(doc, "recommendations", path, "top level"):
        parent = _item(raw, None, path, len(items), section_ids)
        items.append(parent)
        for raw_part in raw.get("parts") or []:
            items.append(_item(raw_part, parent, path, len(items), section_ids))
    if len(items) > settings.FRAMEWORK_MAX_ITEMS:
        raise FrameworkError(
            f"{path}: field 'recommendations': {len(items)} recommendations and parts, more than the limit of "
            f"{settings.FRAMEWORK_MAX_ITEMS}"
        )
    ids = [i.id for i in items]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise FrameworkError(f"{path}: field 'id': duplicated recommendation ids {duplicates}")
    framework_id = str(_require(doc, "id", path, "top level"))
    if framework_id != path.stem:
        raise FrameworkError(f"{path}: field 'id' is {framework_id!r} but the file is named {path.name}")
    return Framework(
        id=framework_id,
        title=str(_require(doc, "title", path, "top level")),
        short_title=str(doc.get("short_title") or doc["title"]),
        item_label=str(doc.get("item_label") or "Recommendation"),
        sections=sections,
        themes=themes,
        items=tuple(items),
        source_file=path,
        neutral_sections=neutral,
        written_for=str(doc.get("written_for") or ""),
        meta={k: v for k, v in doc.items() if k not in {"sections", "themes", "recommendations"}},
        wording=_wording(doc.get("wording"), path),
        item_label_plural=str(doc.get("item_label_plural") or f"{doc.get('item_label') or 'Recommendation'}s"),
        has_key_measures=_flag(doc, "has_key_measures", path),
    )


def _wording(raw, path: Path) -> Wording:
    if raw is None:
        return Wording()
    if not isinstance(raw, dict) or set(raw) - WORDING_FIELDS:
        unknown = sorted(set(raw) - WORDING_FIELDS) if isinstance(raw, dict) else raw
        raise FrameworkError(f"{path}: field 'wording': unknown keys {unknown}; allowed: {sorted(WORDING_FIELDS)}")
    return Wording(**{k: " ".join(str(v).split()) for k, v in raw.items()})


def _flag(doc: dict, key: str, path: Path) -> bool:
    value = doc.get(key, False)
    if not isinstance(value, bool):
        raise FrameworkError(f"{path}: field '{key}' must be true or false")
    return value


@lru_cache(maxsize=16)
def _cached(path: Path, mtime: float) -> Framework:
    return parse_framework(path)


def load_framework(framework_id: str = config.DEFAULT_FRAMEWORK, data_dir=None) -> Framework:
    path = config.frameworks_dir(data_dir) / f"{framework_id}.yaml"
    if not path.exists():
        choices = ", ".join(available_frameworks(data_dir)) or "none"
        raise UnknownFrameworkError(f"unknown framework {framework_id!r}; available: {choices}")
    return _cached(path, path.stat().st_mtime)


def available_frameworks(data_dir=None) -> list[str]:
    return sorted(p.stem for p in config.frameworks_dir(data_dir).glob("*.yaml"))
