"""The meeting pack's pages (issue 17 clause 4): the MATAC/MARAC agenda and a one-person
subject profile per person on it.

The subject profile is the packs' dossier (templates/dossier.html), so a person reads the
same in a sergeant's pack and at the meeting; the agenda lists each person's actions with
the packs' to-do list (render.briefing.person_actions). Same stylesheet, same safety as
the packs: autoescaped templates, nothing fetched, no script, victims masked unless asked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup

from perp_graph.analytics.changes import Changes, ScoreRise
from perp_graph.analytics.dossier import Dossier
from perp_graph.analytics.register import Item
from perp_graph.analytics.register_items import closing_change
from perp_graph.render.briefing import (
    BriefingContext,
    PastAction,
    PersonActions,
    _common,
    environment,
    kind_label,
    past_action,
)
from perp_graph.wording import day

#: The sub-folder of a meeting pack holding the subject profiles.
SUBJECTS = "subjects"


@dataclass(frozen=True)
class MeetingChanges:
    """What changed since the last meeting, as the agenda shows it (ids sorted in each
    list; `new_on_agenda` and `off_agenda` are None when the last meeting's agenda is not
    known). `label` names what was compared with; None when nothing was."""

    label: str | None = None
    since: dt.date | None = None
    new_on_agenda: tuple[str, ...] | None = None
    off_agenda: tuple[str, ...] | None = None
    newly_qualified: tuple[str, ...] = ()
    dropped_to_historic: tuple[str, ...] = ()
    no_longer_listed: tuple[str, ...] = ()
    score_rises: tuple[ScoreRise, ...] = ()
    #: the register's items raised since, by due date
    raised: tuple[Item, ...] = ()
    #: the register's items done, declined or superseded since, latest first
    closed: tuple[PastAction, ...] = ()
    #: person id -> dossier, for names (someone no longer listed has none: the id is shown)
    people: Mapping[str, Dossier] = field(default_factory=dict)

    @classmethod
    def make(
        cls,
        changes: Changes | None,
        since: dt.date | None,
        previous_agenda: Sequence[str] | None,
        agenda: Sequence[str],
        people: Mapping[str, Dossier],
        scope: Collection[str] | None,
        raised: Iterable[Item],
        closed: Iterable[Item],
        *,
        unmask: bool,
        top_rises: int = 10,
    ) -> MeetingChanges:
        """The agenda's changes from a comparison (analytics.changes.compare; None when
        there was nothing to compare with), the last meeting's agenda, this one's, and the
        register's items raised and closed since (chosen by the job), kept to the meeting's
        `scope` (person ids; None for the force). Someone no longer listed is kept when
        they were on the last agenda, or for the force."""

        def kept(ids: Iterable[str]) -> tuple[str, ...]:
            return tuple(sorted(p for p in ids if scope is None or p in scope))

        if changes is None:
            return cls(people=people)
        last = set(previous_agenda) if previous_agenda is not None else None
        gone = [
            p for p in changes.no_longer_listed if scope is None or (last is not None and p in last)
        ]
        closed_lines = [
            closed_line(i, unmask=unmask) for i in closed if scope is None or i.person_id in scope
        ]
        closed_lines.sort(key=lambda p: (closed_at(p.item), p.item.id), reverse=True)
        return cls(
            label=changes.since,
            since=since,
            new_on_agenda=tuple(p for p in agenda if p not in last) if last is not None else None,
            off_agenda=tuple(sorted(last - set(agenda))) if last is not None else None,
            newly_qualified=kept(changes.newly_qualified),
            dropped_to_historic=kept(changes.dropped_to_historic),
            no_longer_listed=tuple(sorted(gone)),
            score_rises=tuple(
                r for r in changes.score_rises if scope is None or r.person_id in scope
            )[:top_rises],
            raised=tuple(
                sorted(
                    (i for i in raised if scope is None or i.person_id in scope),
                    key=lambda i: (i.due_by, i.id),
                )
            ),
            closed=tuple(closed_lines),
            people=people,
        )

    @property
    def anything(self) -> bool:
        """Something to report since the last meeting."""
        return any(
            (
                self.new_on_agenda,
                self.off_agenda,
                self.newly_qualified,
                self.dropped_to_historic,
                self.no_longer_listed,
                self.score_rises,
                self.raised,
                self.closed,
            )
        )


def closed_at(item: Item) -> dt.datetime:
    """When a closed item was closed: the history entry that gave it its status
    (analytics.register_items.closing_change; a later "reason gone" note does not move it), else its
    last change (the earliest time when it has none)."""
    closing = closing_change(item)
    if closing is not None:
        return closing.at
    return item.changed_at or dt.datetime.min.replace(tzinfo=dt.UTC)


def closed_line(item: Item, *, unmask: bool) -> PastAction:
    """A closed item as the agenda's changes list it: as a pack's history does
    (render.briefing.past_action), and a superseded one with the sync's note (ids and
    dates only) even when it was superseded before its due date."""
    shown = past_action(item, unmask=unmask)
    if shown is not None:
        return shown
    return PastAction(item, f"{kind_label(item.kind)}: superseded {day(item.closed_on)}", item.note)


@dataclass(frozen=True)
class Meeting:
    """One meeting pack: its scope (neighbourhoods; empty for the force), the agenda in
    priority order, each person's actions, what changed, each subject profile's file name
    (in SUBJECTS), timelines, the register's last sync and whether PDFs are made."""

    scope: tuple[str, ...]
    agenda: tuple[Dossier, ...]
    actions: Mapping[str, PersonActions]
    changes: MeetingChanges
    subject_files: Mapping[str, str]
    timelines: Mapping[str, Markup] = field(default_factory=dict)
    register_synced: dt.date | None = None
    pdf: bool = True

    def pdf_file(self, person_id: str) -> str:
        """A subject profile's PDF file name (in SUBJECTS)."""
        return self.subject_files[person_id].removesuffix(".html") + ".pdf"

    @property
    def scope_words(self) -> str:
        """ "the force", or the neighbourhoods in words."""
        return ", ".join(self.scope) if self.scope else "the force"

    @property
    def badges(self) -> dict[str, tuple[str, ...]]:
        """NEW beside whoever newly qualified since the last meeting."""
        return {p: ("NEW",) for p in self.changes.newly_qualified}

    @property
    def open_actions(self) -> int:
        """The register's open items over the agenda."""
        return sum(1 for a in self.actions.values() for line in a.todo if line.item is not None)

    @property
    def overdue_actions(self) -> int:
        """The register's overdue items over the agenda."""
        return sum(len(a.overdue) for a in self.actions.values())


def _pages(meeting: Meeting, context: BriefingContext) -> dict[str, object]:
    return {
        **_common(context),
        "meeting": meeting,
        "agenda": meeting.agenda,
        "actions": meeting.actions,
        "changes": meeting.changes,
        "badges": meeting.badges,
        "timelines": meeting.timelines,
        "register_synced": meeting.register_synced,
        "subjects_dir": SUBJECTS,
        # the packs' dossier macros: no neighbourhood rank, no network page here
        "ranks": {},
        "network_href": {},
        "neighbourhood_pack": False,
        "neighbourhood": f"Meeting of {day(context.parameters.as_of)}",
    }


def render_agenda(meeting: Meeting, context: BriefingContext) -> str:
    """The agenda page: who, in priority order, with their actions, and what changed."""
    return environment().get_template("meeting.html").render(**_pages(meeting, context))


def render_subject(meeting: Meeting, dossier: Dossier, context: BriefingContext) -> str:
    """One person's subject profile: the packs' dossier on a page of its own."""
    position = [d.person_id for d in meeting.agenda].index(dossier.person_id) + 1
    return (
        environment()
        .get_template("subject.html")
        .render(**_pages(meeting, context), d=dossier, position=position)
    )
