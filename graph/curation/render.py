"""The draft as a fact file: YAML in the project's format, with the curator's choices as comments.

Everything active in the file passes `kg build` as written (ids, classes, verbatim quotes, one `about`
link per skeleton so each statement asserts something); everything the curator must decide (which
property, which date property, a status) is a comment next to it.
"""

from __future__ import annotations

import json

from kzlinks.curation.draft import Draft, DraftEntity, Skeleton

__all__ = ["render"]

# A new entity of these classes would break a SHACL shape until the curator adds what it needs.
_NEEDS_MORE = {"Visit": "a visitor", "StateVisit": "a visitor", "OfficialVisit": "a visitor"}
_STATUSES = "Completed | Ongoing | Planned | Intended | Proposed | Hoped"


def _q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def render(draft: Draft) -> str:
    """The draft fact file's text."""
    known = [e for e in draft.entities if e.known]
    new = [e for e in draft.entities if not e.known]
    lines = [
        f"source: {draft.source}",
        "note: >",
        "  DRAFT written by `kg draft`: check every entity, class and statement before use. Known entities",
        "  are matched by label; new ones carry a suggested class; each statement quotes one sentence, and",
        "  its `about` link is a placeholder: replace it with the properties suggested in the comments.",
        "",
        "entities:",
    ]
    if known:
        lines.append("  # ---------------------------------------------------------------- known to the graph")
    for entity in known:
        lines += _entity(entity)
    if new:
        lines.append("  # ---------------------------------------------------------------- new: check class and label")
    for entity in new:
        lines += _entity(entity)
    if not draft.entities:
        lines[-1] = "entities: []"
    lines += ["", "statements:" if draft.skeletons else "statements: []"]
    for skeleton in draft.skeletons:
        lines += _skeleton(skeleton, draft)
    loose = _unlinked_figures(draft)
    if loose:
        lines += ["", "# figures in sentences that name no entity (link them by hand):"]
        lines += [f"#   {f.kind} {f.yaml_value} ({f.unit})  from {_q(f.text)} in sentence {n}" for n, f in loose]
    return "\n".join(lines) + "\n"


def _entity(entity: DraftEntity) -> list[str]:
    classes = entity.classes[0] if len(entity.classes) == 1 else "[" + ", ".join(entity.classes) + "]"
    lines = [f"  - id: {entity.id}"]
    if entity.known and not entity.declare_type:
        lines[0] += f"  # known: {classes}, {_q(entity.label)}"
    else:
        why = "" if entity.known else f"  # suggested ({entity.rule})"
        if not entity.known and classes in _NEEDS_MORE:
            why = f"  # suggested: {classes} ({entity.rule}), once it has {_NEEDS_MORE[classes]}"
            classes = "Event"
        lines += [f"    type: {classes}{why}", f"    label: {_q(entity.label)}"]
    if entity.alts:
        lines.append("    alt: [" + ", ".join(_q(a) for a in entity.alts) + "]")
    if len(entity.quotes) == 1:
        lines.append(f"    quote: {_q(entity.quotes[0])}")
    else:
        lines.append("    quote:")
        lines += [f"      - {_q(q)}" for q in entity.quotes]
    return lines


def _skeleton(skeleton: Skeleton, draft: Draft) -> list[str]:
    subject = draft.entity(skeleton.subject)
    lines = [
        f"  - quote: {_q(skeleton.sentence.text)}",
        f"    subject: {skeleton.subject}  # {_q(subject.label)}; or one of the others below",
    ]
    if skeleton.others:
        ids = [other for other, _ in skeleton.others]
        lines.append(f"    about: [{', '.join(ids)}]  # placeholder so the draft builds: choose below")
    else:
        figure, links = skeleton.figures[0]
        lines.append(f"    {links[0]}: {figure.yaml_value}  # {_q(figure.text)} ({figure.unit}): check the property")
    grouped: dict[str, list[str]] = {}
    alternatives: dict[str, list[str]] = {}
    for other, links in skeleton.others:
        best = links[0] if links else "about"
        grouped.setdefault(best, []).append(other)
        alternatives.setdefault(best, [])
        alternatives[best] += [p for p in links[1:4] if p not in alternatives[best]]
    for prop, ids in grouped.items():
        value = ids[0] if len(ids) == 1 else "[" + ", ".join(ids) + "]"
        also = f"  # or: {', '.join(alternatives[prop])}" if alternatives[prop] else ""
        lines.append(f"    # {prop}: {value}{also}")
    for figure, links in skeleton.figures:
        prop = links[0] if links else figure.kind
        also = f" or {', '.join(links[1:])}" if len(links) > 1 else ""
        lines.append(f"    # {prop}: {figure.yaml_value}  # {_q(figure.text)} ({figure.unit}){also}")
    lines.append(f"    # status: {_STATUSES}")
    return lines


def _unlinked_figures(draft: Draft):
    linked = {s.sentence.number for s in draft.skeletons}
    return [(n, f) for n, f in draft.figures if n not in linked]
