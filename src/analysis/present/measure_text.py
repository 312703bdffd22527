"""The words of a force page's key-measure sections, each sentence a :class:`Claim` (issue 18, part "body").

Compute (:mod:`analysis.compute.measure_sections`) gives each key measure a summary; this module turns its
pieces into claims (sentence, value, comparator, method, window, the meaning rule that fired, known-at
date, source), which :func:`analysis.present.fragments.key_measures` renders with
:func:`analysis.present.claim_markup.claimed`, so every element's text is its claim's sentence.

Two meaning rules (:mod:`analysis.compute.meaning.measures`) change the words of a verdict sentence:

* staleness (class 4): a process-behaviour verdict on a figure whose period ended more than
  ``STALE_MEASURE_MONTHS`` before the end of the report's quarter says how old it is, so "a concern" or
  "improving" is never read as current;
* incomplete recorded basis (class 5): a recorded-basis series whose latest quarter is among the last
  ``RECORDED_INCOMPLETE_QUARTERS`` is not judged for change (those quarters are undercounted); the sentence
  says why and points to the closed basis.

Every sentence is written here from the section's numbers (compute holds no prose; a test in
``tests/test_architecture.py`` keeps it so): the section's paragraph (:func:`paragraph`: the latest figure
and its source, the process-behaviour verdicts, the Census comparison, the other figures, a count proxy's
sentences), the change from earlier periods (:func:`change_sentence`), the funnel position
(:func:`funnel_sentence`), the no-data line (:func:`no_data_text`) and the trend line (:func:`trend_text`).
The process-behaviour sentences themselves come from :mod:`analysis.compute.spc` with their words from
:mod:`analysis.compute.direction`; the trust section's are :mod:`analysis.present.fairness_text`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.compute import direction as dn
from analysis.compute import spc
from analysis.compute.claims import Claim
from analysis.compute.meaning import measures as meaning
from analysis.compute.measure_sections import format_value, lower_first
from analysis.compute.measures import NATIONAL_NAME
from analysis.core.periods import Quarter, period_end, period_label
from analysis.core.settings import PARITY_MIN_POINTS, RECORDED_INCOMPLETE_QUARTERS, STALE_MEASURE_MONTHS

CHARGE_RATE_FILE = "raw/measures/home-office-outcomes/force_quarter.csv"
OBSERVATIONS = "raw/measures (observations as at the report's quarter)"
# series counted by the quarter the offence was recorded: their recent quarters are still filling up
RECORDED_BASIS = frozenset({"charge_rate_recorded"})
STALE_RULE = "meaning.measures.staleness:stale"
INCOMPLETE_RULE = "meaning.measures.recorded_incomplete"
OTHER_PREFIX = "Among the other figures: "


def claim_prefix(section) -> str:
    """``measure.<key_measure>``, the key measure's id with underscores (``measure.charge_rate``)."""
    return "measure." + str(section.key_measure).replace("-", "_")


@dataclass(frozen=True)
class Figure:
    """What a verdict sentence is about: the latest point of one series."""

    measure_id: str
    period: str
    period_type: str
    period_label: str
    known_at: str


def _figure_of(section) -> Figure | None:
    lt = section.latest
    if lt is None:
        return None
    return Figure(section.measure_id or "", str(lt.period), lt.period_type, lt.period_label, lt.known_at)


def _figure_of_extra(e: dict) -> Figure:
    return Figure(e["measure_id"], str(e["period"]), e["period_type"], e["period_label"], e.get("known_at", ""))


def staleness_clause(figure: Figure, quarter: Quarter) -> str:
    """'As of March 2023, 15 months before the end of 2024/25 Q1 (so not a current reading)', or '' when the
    figure is not stale (:func:`analysis.compute.meaning.measures.staleness`)."""
    age = meaning.staleness(period_end(figure.period, figure.period_type), quarter.end)
    if not age.stale:
        return ""
    return (
        f"As of {figure.period_label}, {age.months} months before the end of {quarter.label} "
        f"(older than {STALE_MEASURE_MONTHS} months, so not a current reading)"
    )


def incomplete_caveat(figure: Figure, quarter: Quarter) -> str:
    """Why a recent recorded-basis series is not judged, or '' when its latest quarter is complete enough."""
    if figure.measure_id not in RECORDED_BASIS or figure.period_type != "quarter":
        return ""
    if not meaning.recorded_incomplete(Quarter.of(figure.period), quarter):
        return ""
    last = figure.period_label.split(" (")[0]
    return (
        f"its latest quarters (to {last}) are among the last {RECORDED_INCOMPLETE_QUARTERS} up to {quarter.label}, "
        "and on the recorded basis their outcomes are still coming in (investigations still open), so they are "
        "undercounted; the charge rate of closed investigations is the one judged"
    )


def verdict_sentence(
    sentence: str, figure: Figure | None, quarter: Quarter, subject: str = "", stale_sentence: str = ""
) -> tuple[str, str]:
    """A verdict sentence as the meaning rules allow it: (text, rule). On incomplete recorded-basis quarters no
    verdict is drawn (class 5); on a stale figure the verdict says how old it is (class 4), worded as
    ``stale_sentence`` when one is given (a variation verdict written with ``stale=True``)."""
    if figure is None:
        return sentence, ""
    other = sentence.startswith(OTHER_PREFIX)
    caveat = incomplete_caveat(figure, quarter)
    if caveat and subject:
        head = OTHER_PREFIX if other else ""
        return f"{head}{subject} is not judged for change: {caveat}.", INCOMPLETE_RULE
    stale = staleness_clause(figure, quarter)
    if not stale:
        return sentence, ""
    # a verdict on an old figure was a verdict then: "a concern to look into" would read as a current alarm
    sentence = stale_sentence or sentence
    if other:
        body = sentence[len(OTHER_PREFIX) :]
        return f"{OTHER_PREFIX[:-2]}, {stale[0].lower()}{stale[1:]}: {body}", STALE_RULE
    return f"{stale}: {sentence}", STALE_RULE


def _source(section, figure: Figure | None, force_id: str = "") -> tuple[str, tuple]:
    if section.key_measure == "charge-rate" and figure is not None and figure.measure_id == "charge_rate_closed":
        return CHARGE_RATE_FILE, (f"force={force_id}; period={figure.period}",)
    if figure is None:
        return "", ()
    return OBSERVATIONS, (f"measure_id={figure.measure_id}; period={figure.period}",)


# names for the paragraph's sentences, by how they open (claim ids stay stable when a figure changes)
OPENINGS = (
    ("Too short for a process-behaviour chart", "other_too_short"),
    ("For comparison, Census", "context"),
    ("This comes from the force's own reporting", "source_sentence"),
    ("Source: ", "source_sentence"),
    ("Proxy, not the review's measure", "proxy_intro"),
    ("Latest year published by the end of", "latest_note"),
    ("No rate is given", "no_rate"),
)


def _named(text: str, n: int) -> str:
    return next((what for opening, what in OPENINGS if text.startswith(opening)), f"sentence.{n}")


def _kinds(section, texts: list[str]) -> dict[str, tuple[str, Figure | None]]:
    """Sentences of the paragraph whose kind is known: text -> (what, figure it is about)."""
    kinds: dict[str, tuple[str, Figure | None]] = {}
    fig = _figure_of(section)
    if texts:
        kinds.setdefault(texts[0], ("latest_sentence", fig))
    spc_summary = getattr(section, "spc", None)
    if spc_summary is not None:
        kinds[spc_summary.variation_text] = ("variation", fig)
        kinds[spc_summary.assurance_text] = ("assurance", fig)
    for e in section.extra:
        summary = e.get("spc")
        if summary is not None:
            kinds[OTHER_PREFIX + summary.variation_text] = (f"other.{e['measure_id']}", _figure_of_extra(e))
    return kinds


def sentence_claims(section, quarter: Quarter, force_id: str = "") -> list[Claim]:
    """One claim per sentence of the section's paragraph (:func:`paragraph`), verdicts with their age and
    completeness caveats (classes 4 and 5)."""
    prefix, texts = claim_prefix(section), paragraph(section, quarter)
    kinds = _kinds(section, texts)
    fig = _figure_of(section)
    claims, used = [], set()
    for n, text in enumerate(texts, 1):
        what, about = kinds.get(text, (_named(text, n), fig))
        if what in used:  # the same text twice (never expected): keep ids unique
            what = f"{what}.{n}"
        used.add(what)
        verdict = what in ("variation", "assurance") or what.startswith("other.")
        stale_text = _stale_variation(section, what)
        sentence, rule = (
            verdict_sentence(text, about, quarter, _subject(section, what), stale_text) if verdict else (text, "")
        )
        if verdict and not rule:
            rule = _spc_rule(section, what)
        source_file, rows = _source(section, about, force_id)
        claims.append(
            Claim(
                id=f"{prefix}.{what}",
                sentence=sentence,
                value=_value(section, about),
                method=_method(section, what),
                window=about.period if about else quarter.id,
                source_file=source_file,
                source_rows=rows,
                rule=rule,
                known_at=about.known_at if about else "",
            )
        )
    return _with_change_and_funnel(claims, section, prefix, quarter, force_id)


def _summary(section, what: str):
    if what.startswith("other."):
        e = next((x for x in section.extra if f"other.{x['measure_id']}" == what), None)
        return e.get("spc") if e else None
    return getattr(section, "spc", None)


def _subject(section, what: str) -> str:
    summary = _summary(section, what)
    return str(getattr(summary, "subject", "") or "")


def _stale_variation(section, what: str) -> str:
    """The variation sentence as it reads for a stale figure (''. for anything but a variation verdict)."""
    if what != "variation" and not what.startswith("other."):
        return ""
    summary = _summary(section, what)
    if summary is None or summary.chart is None:
        return ""
    label = summary.chart.points.iloc[-1]["special_cause_type"]
    high = ("Above" in label or "Increasing" in label) if summary.variation == "special_cause_neutral" else None
    text = dn.variation_text(
        summary.variation, summary.measure_direction, summary.subject, spc.RULE_WORDS.get(label), high, stale=True
    )
    return OTHER_PREFIX + text if what.startswith("other.") else text


def _spc_rule(section, what: str) -> str:
    summary = _summary(section, what)
    if summary is None:
        return ""
    if what == "assurance":
        return f"spc.assurance:{getattr(summary, 'assurance_rule', '') or summary.assurance}"
    return f"spc.variation:{summary.variation}"


def _value(section, about: Figure | None):
    if about is None:
        return None
    if section.latest is not None and about.measure_id == (section.measure_id or ""):
        return _plain(section.latest.value)
    e = next((x for x in section.extra if x["measure_id"] == about.measure_id), None)
    return _plain(e["value"]) if e else None


def _plain(v):
    return round(float(v), 4) if v is not None and v == v else None


def _method(section, what: str) -> str:
    if what in ("variation", "assurance") or what.startswith("other."):
        return "process-behaviour chart (analysis.compute.spc): variation and assurance verdicts"
    if what == "latest_sentence":
        return "latest observation as at the report's quarter"
    return "written from the section's figures (analysis.compute.measure_sections)"


def extra_row_claim(section, e: dict, sentence: str) -> dict:
    """Claim fields for one row of the "Other figures" table (its sentence is the row's text)."""
    fig = _figure_of_extra(e)
    return {
        "value": _plain(e["value"]),
        "method": f"latest observation of {e['measure_id']} as at the report's quarter",
        "window": fig.period,
        "source_file": OBSERVATIONS,
        "source_rows": (f"measure_id={e['measure_id']}; period={fig.period}",),
        "known_at": fig.known_at,
        "detail": {"source": str(e.get("source", "")), "unit": e.get("unit", "")},
        "rule": "quoted",
    }


def section_fields(section, quarter: Quarter, what: str, force_id: str = "") -> dict:
    """Claim fields (no id, no sentence) for a section-level line: trend, method note, source, no data."""
    fig = _figure_of(section)
    source_file, rows = _source(section, fig, force_id)
    fields = {
        "value": _plain(section.latest.value) if section.latest is not None else None,
        "window": fig.period if fig else quarter.id,
        "source_file": source_file,
        "source_rows": rows,
        "known_at": fig.known_at if fig else "",
    }
    methods = {
        "trend": "the section's trend line (parity projection or listed counts)",
        "method_note": "the process-behaviour method the verdicts above rest on",
        "official_source": "the registry's official source for the measure",
        "no_data": "observations on record for the force and measure as at the report's quarter",
        "force_supplied": "the registry: the measure is supplied by the force",
        "proxy_note": "the registry's proxy note for the measure leading the section",
        "series_text": "the force-supplied series as at the report's quarter (analysis.compute.coverage)",
    }
    fields["method"] = methods.get(what, "")
    if what in ("official_source", "force_supplied", "proxy_note"):
        fields["rule"] = "quoted"
        fields["value"] = section.official_source if what == "official_source" else fields["value"]
    if what == "no_data":
        fields["value"] = None
        fields["rule"] = "no_data"
    return fields


def diff_unit(unit: str) -> str:
    return {"percent": "percentage points", "minutes": "minutes", "seconds": "seconds"}.get(unit, "")


def change_clause(comp, unit: str = "percent") -> str:
    """'0.8 percentage points lower than the previous quarter (2023/24 Q4: 9.3%)': a plain difference.

    No significance is claimed: whether the series has changed is the process-behaviour chart's call."""
    unit_word = diff_unit(unit)
    where = f"{comp.label} ({comp.period_label}: {format_value(comp.value, unit)})"
    # the difference of the unrounded figures (issue 18, class 8); where subtracting the printed figures would
    # give another answer, the clause says which figures it was worked from, so both readings are true
    shown = round(comp.difference, 1)
    printed = round(round(comp.value + comp.difference, 1) - round(comp.value, 1), 1)
    note = " (worked from the unrounded figures)" if shown != printed else ""
    if shown == 0:
        return f"about the same as {where}{note}"
    side = "higher" if shown > 0 else "lower"
    return f"{abs(shown):.1f} {unit_word} {side} than {where}{note}".replace("  ", " ")


def funnel_sentence(f, value: float, name: str, measure_direction: str) -> str:
    position = dn.position_words(measure_direction, round(value, 1), round(f.target, 1))
    head = f"The {NATIONAL_NAME} rate was {f.target:.1f}%; {name} is {position}."
    lo, hi = f.limits_95
    if f.cannot_see and f.classification == "within":
        low, high = f.force_range
        return (
            f"{head} This comparison can see little for a force of this size: the funnel limits, widened for "
            f"the usual variation between forces, run from {lo:.1f}% to {hi:.1f}%, while the forces' rates this "
            f"quarter ran from {low:.1f}% to {high:.1f}%, so almost any rate {name} could plausibly have would "
            f"fall inside them."
        )
    if f.classification == "within":
        return (
            f"{head} It is inside the 95% funnel limits ({lo:.1f}% to {hi:.1f}% for a force of this size): "
            f"the difference is within the usual variation between forces."
        )
    level = f.classification.split()[-1]
    return (
        f"{head} It is outside the {level} funnel limit (95% limits {lo:.1f}% to {hi:.1f}% for a force of "
        f"this size): more than the usual variation between forces would produce."
    )


# the comparisons the change sentence is written from (the fairness indicator's and the sexual-offences proxy's
# "previous year" have sentences of their own: fairness_text.previous_year_sentence, count_change_sentence)
CHANGE_LABELS = ("the previous quarter", "the same quarter a year earlier", "the previous period")


def _changes(section) -> list:
    return [c for c in section.comparisons if c.label in CHANGE_LABELS]


def change_sentence(section) -> str:
    """'That is 0.7 percentage points higher than the previous quarter (...)': the plain differences from earlier
    periods (``section.comparisons`` labelled as in :data:`CHANGE_LABELS`), or '' when there is none."""
    changes = _changes(section)
    if not changes or section.latest is None:
        return ""
    return "That is " + "; and ".join(change_clause(c, section.latest.unit) for c in changes) + "."


def _change_claim(section, prefix: str, quarter: Quarter, force_id: str) -> Claim | None:
    text = change_sentence(section)
    if not text:
        return None
    changes = _changes(section)
    fig = _figure_of(section)
    source_file, rows = _source(section, fig, force_id)
    return Claim(
        id=f"{prefix}.change",
        sentence=text,
        value=[_plain(c.difference) for c in changes],
        comparator=[_plain(c.value) for c in changes],
        method="; ".join(sorted({c.method for c in changes})) + " (differences of the unrounded figures)",
        window=fig.period if fig else quarter.id,
        source_file=source_file,
        source_rows=rows,
        detail={"compared_with": [c.period_label for c in changes]},
        known_at=fig.known_at if fig else "",
    )


def _funnel_claim(section, prefix: str, quarter: Quarter, force_id: str) -> Claim | None:
    f = section.funnel
    if f is None or section.latest is None:
        return None
    fig = _figure_of(section)
    source_file, rows = _source(section, fig, force_id)
    text = funnel_sentence(f, section.latest.value, section.force_name, section.direction)
    verdict, rule = verdict_sentence(text, fig, quarter)
    return Claim(
        id=f"{prefix}.funnel",
        sentence=verdict,
        value=_plain(section.latest.value),
        comparator=_plain(f.target),
        method=f"funnel plot: 95% and 99.8% limits around the {NATIONAL_NAME} rate, widened for over-dispersion",
        window=fig.period if fig else quarter.id,
        source_file=source_file,
        source_rows=rows,
        detail={
            "classification": f.classification,
            "phi": _plain(f.phi),
            "limits_95": [_plain(v) for v in f.limits_95],
        },
        rule=rule or f"funnel:{f.classification}" + (":cannot_see" if f.cannot_see else ""),
        known_at=fig.known_at if fig else "",
    )


def _with_change_and_funnel(claims: list[Claim], section, prefix, quarter, force_id) -> list[Claim]:
    """The change sentence after the latest figure's; the funnel sentence after the section's own verdicts
    (before the other figures' sentences)."""
    change = _change_claim(section, prefix, quarter, force_id)
    if change is not None:
        at = next((i + 1 for i, c in enumerate(claims) if c.id == f"{prefix}.latest_sentence"), 0)
        claims.insert(at, change)
    funnel = _funnel_claim(section, prefix, quarter, force_id)
    if funnel is not None:
        later = (OTHER_PREFIX, "Too short for a process-behaviour chart")
        at = next((i for i, c in enumerate(claims) if c.sentence.startswith(later)), len(claims))
        claims.insert(at, funnel)
    return claims


def section_sentences(section, quarter: Quarter, force_id: str = "") -> list[str]:
    """The sentences of a section's paragraph as the page shows them (``quarter``: the report's quarter)."""
    return [c.sentence for c in sentence_claims(section, quarter, force_id)]


# --------------------------------------------------------------------------- the section's paragraph
def period_word(period_type: str) -> str:
    return {
        "quarter": "quarter",
        "month": "month",
        "financial_year": "year",
        "calendar_year": "year",
        "year_ending_march": "year",
    }.get(period_type, "period")


def subject_of(section) -> str:
    """'Leicestershire's domestic abuse arrest rate': the series a section's verdicts are about."""
    return f"{section.force_name}'s {lower_first(section.measure_title or '')}"


def charge_latest_sentence(section, quarter: Quarter) -> str:
    """The headline charge rate (also the executive summary's first key-measure sentence), saying so first
    when the report's own quarter had no published figure."""
    lt, name = section.latest, section.force_name
    q = Quarter.of(lt.period)
    text = (
        f"In {q.label} ({q.months}), {name} charged or summonsed {lt.value:.1f}% of the crimes whose "
        f"investigations closed with an assigned outcome ({int(lt.numerator):,} of {int(lt.denominator):,}; "
        f"95% confidence interval {lt.lower:.1f}% to {lt.upper:.1f}%)."
    )
    if q != quarter:
        text = (
            f"No charge rate for {name} for {quarter.label} had been published by the end of the quarter; "
            f"the latest quarter with one published by then is {q.label}. {text}"
        )
    return text


def _verdicts(section, subject: str, points: int, word: str) -> list[str]:
    if section.spc:
        return [section.spc.variation_text, section.spc.assurance_text]
    return [spc.too_few_points_text(subject, points, word)]


def _generic_latest(section) -> list[str]:
    lt, name = section.latest, section.force_name
    # the title may hold a colon itself ("Police-perpetrated VAWG: allegations"), so it is quoted, not followed by one
    first = (
        f"The most recent figure loaded for {name} is {format_value(lt.value, lt.unit)} "
        f"({lt.period_label}) for “{section.measure_title}”."
    )
    if section.force_supplied:
        second = (
            f"This comes from the force's own reporting ({lt.source}), not from an official statistic; "
            f"the official source would be {section.official_source or 'not yet registered'}."
        )
    else:
        second = f"Source: {lt.source}."
    return [first, second]


def workforce_figure_kind(measure_id: str) -> tuple[str, str]:
    """What a force's workforce figure counts, and what its ratio to the population is called."""
    if "joiner" in measure_id:
        return "joiners in the year", "joiners' representation ratio"
    if "recruit" in measure_id:
        return "recruits in the year", "recruits' representation ratio"
    return "the whole workforce", "representation ratio"


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def context_sentence(census, name: str) -> str:
    """The Census population share a workforce figure is compared with, and the ratio when there is one."""
    p = census.minority / census.total
    text = (
        f"For comparison, Census {census.year} put the ethnic minority share of {name}'s population at {_pct(p)} "
        f"({int(census.minority):,} of {int(census.total):,} usual residents)."
    )
    if census.groups:
        groups = ", ".join(f"{label} {_pct(n / census.total)}" for label, n in census.groups)
        text += f" By broad ethnic group (Census 2021): {groups}."
    if census.ratio is not None:
        kind, ratio_name = workforce_figure_kind(census.figure_measure_id)
        text += (
            f" Set against the ethnic minority share, {census.figure_title.lower()} ({kind}, "
            f"{census.figure_period_label}) gives a {ratio_name} of {census.ratio:.2f} (1 would mean parity). "
            f"It compares {kind} with the {census.year} resident population"
            + ("" if kind == "the whole workforce" else ", not the whole workforce")
            + "."
        )
    return text


def others_sentences(section) -> list[str]:
    """The verdicts on the section's other figures that form a time series, and those too short for one."""
    out, short = [], []
    for e in section.extra:
        if e.get("points", 0) < 2:
            continue
        if e.get("spc") is None:
            short.append(f"{e['title']} ({e['points']} {period_word(e['period_type'])}s)")
            continue
        out.append(OTHER_PREFIX + e["spc"].variation_text)
    if short:
        out.append(
            f"Too short for a process-behaviour chart (it needs at least {spc.MIN_POINTS} "
            f"points), so not judged for change: {'; '.join(short)}."
        )
    return out


def proxy_intro(section) -> str:
    return (
        f"Proxy, not the review's measure: {section.proxy_note}. The review's measure, adult rape cases reaching "
        f"court, has no figure for {section.force_name} loaded here."
    )


def count_change_sentence(section) -> str:
    """'That is 12 fewer than in 2022/23 (340).': a count proxy's plain difference from its previous year."""
    comp = next((c for c in section.comparisons if c.label == "the previous year"), None)
    if comp is None:
        return ""
    diff = comp.difference
    change = "the same number as" if diff == 0 else f"{abs(int(diff)):,} {'more' if diff > 0 else 'fewer'} than"
    return f"That is {change} in {comp.period_label} ({int(comp.value):,})."


def _count_proxy_paragraph(section, quarter: Quarter) -> list[str]:
    year, name = section.latest.period_label, section.force_name
    out = [
        proxy_intro(section),
        f"Latest year published by the end of {quarter.label}: {year}.",
        f"In {year} {name} charged or summonsed {int(section.latest.value):,} sexual offences among the "
        f"investigations it closed in the year.",
    ]
    change = count_change_sentence(section)
    out += [change] if change else []
    note = f" Note: {section.count_note}." if section.count_note else ""
    out.append("No rate is given: the source has no total of all outcomes for sexual offences to divide by." + note)
    if section.national_count is not None:
        out.append(
            f"England and Wales (43 territorial forces) charged or summonsed "
            f"{int(section.national_count):,} sexual offences in {year}."
        )
    return out


def paragraph(section, quarter: Quarter) -> list[str]:
    """The sentences of a section's paragraph, in page order, before the meaning rules and the change and
    funnel sentences (:func:`sentence_claims` adds those); [] for a section with no data."""
    if not section.has_data or section.latest is None:
        return []
    if section.kind == "count_proxy":
        return _count_proxy_paragraph(section, quarter)
    if section.kind == "charge_rate":
        subject = f"{section.force_name}'s charge rate"
        out = [charge_latest_sentence(section, quarter), *_verdicts(section, subject, section.points, "quarter")]
        return out + others_sentences(section)
    out = _generic_latest(section)
    out += _verdicts(section, subject_of(section), section.points, period_word(section.latest.period_type))
    if section.census is not None:
        out.append(context_sentence(section.census, section.force_name))
    return out + others_sentences(section)


def no_data_text(section, quarter: Quarter) -> str:
    """The line a section with no figure shows instead of its paragraph."""
    name = section.force_name
    if section.kind == "charge_rate":
        return (
            f"The Home Office outcomes data loaded here has no charge rate for {name} "
            f"up to {quarter.label}; it is published in {section.official_source}."
        )
    if section.kind == "count_proxy":
        return f"{proxy_intro(section)} No year of sexual-offence charges published by the end of {quarter.label} is loaded."
    source = section.official_source if section.official_registered else "no official source is registered"
    return f"No data for this measure is loaded for {name}. The official source is {source}."


def parity_text(section) -> str:
    """A parity ratio's projected year of parity, or why there is none (the straight line of
    :func:`analysis.compute.measure_sections._parity_projection`)."""
    subject, n, trend = subject_of(section), section.points, section.trend
    if trend is None:
        return (
            f"No year of parity is projected for {subject}: {n} point{'s' if n != 1 else ''} "
            f"{'is' if n == 1 else 'are'} loaded and a projection needs at least {PARITY_MIN_POINTS}."
        )
    if trend.parity_year is None or section.parity_interval is None:
        return f"No year of parity is projected for {subject}: {trend.reason}."
    low, high = section.parity_interval
    return (
        f"If the straight-line trend of the last {n} points continued, {subject} would reach parity "
        f"around {trend.parity_year:.0f} (95% interval on the year {low:.0f} to {high:.0f}, "
        f"from the interval on the slope; the line ignores any change of pace)."
    )


def trend_text(section) -> str:
    """The section's trend line: a parity projection (or why there is none), or a count proxy's recent years."""
    if not section.has_data:
        return ""
    if section.kind == "count_proxy":
        if len(section.recent_counts) < 3:
            return ""
        listed = ", ".join(f"{period_label(p, 'financial_year')} {int(v):,}" for p, v in section.recent_counts)
        return (
            f"Charges or summonses for sexual offences in the last {len(section.recent_counts)} years: {listed}. "
            f"A count moves with the number of offences recorded and investigated as well as with "
            f"how often they end in a charge, so it is not a charge rate."
        )
    if section.kind == "generic" and section.direction and dn.normalise(section.direction) == dn.PARITY:
        return parity_text(section)
    return ""
