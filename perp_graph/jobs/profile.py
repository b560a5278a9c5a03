"""The problem-profile job for chief officers (one reading `Session`)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, replace
from pathlib import Path

from perp_graph.analytics.acpo import scan as acpo_scan
from perp_graph.analytics.profile import Profile, quarters
from perp_graph.analytics.profile_actions import add_oversight
from perp_graph.analytics.profile_build import build_profile
from perp_graph.errors import ConfigError
from perp_graph.jobs.scanning import scan_parameters
from perp_graph.model import ScanResult
from perp_graph.output import check_free
from perp_graph.progress import Progress
from perp_graph.render.briefing import BriefingContext, slugs
from perp_graph.render.profile import render_profile_page
from perp_graph.session import Session
from perp_graph.settings import Settings


@dataclass
class ProfileOutputs:
    """What `profile` wrote: the folder, its index page, every file, and the figures."""

    folder: Path
    index: Path
    files: list[Path]
    profile: Profile


def profile(
    settings: Settings,
    out_dir: Path,
    *,
    as_of: dt.date | None = None,
    years: int = 5,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> ProfileOutputs:
    """Write the problem profile for chief officers into `out_dir`: the force's page
    (index.html), one page per neighbourhood (neighbourhoods/), and the figures as
    profile.json, over `years` years of quarters to `as_of`, with the action register's
    figures (analytics.profile_actions; "never synced" when it was not); audited as a consultation
    before anything is written.

    Raises:
        ConfigError: `years` below 1.
        OutputError: a page exists and `overwrite` is False.
        NoWorkspace, StoreError, AuditError, WorkspaceBusy.
    """
    if years < 1:
        raise ConfigError("--years must be 1 or more")
    parameters = scan_parameters(settings, as_of)
    out_dir = Path(out_dir)
    with Session(settings, "profile", progress=progress) as session:
        progress = session.progress
        store = session.store
        records = session.records
        n = len(quarters(parameters.as_of, years))
        with progress.stage("scanning each quarter's end", total=n) as advance:
            # The profile reads the force's records anyway (its counts are force-wide):
            # each quarter's scan runs on them here, the ACPO rule's Python form (the
            # same answer as the store's own scan, checked in tests/test_store_differential),
            # rather than one server round of the whole graph per quarter on Neo4j.
            def scan_as_of(day: dt.date) -> ScanResult:
                result = acpo_scan(records, replace(parameters, as_of=day))
                advance(1)
                return result

            built = build_profile(records, parameters, years, scan_as_of)
        # The action register's figures (issue 17, clause 5): counts only, read in this
        # session like the records.
        register = store.register()
        add_oversight(built, register.items(), register.last_sync())
        store_name = store.name
        session.close_store()
        slug = slugs([a.name for a in built.neighbourhoods])
        pages = {Path("index.html"): None} | {
            Path("neighbourhoods") / f"{slug[a.name]}.html": a for a in built.neighbourhoods
        }
        check_free([out_dir / p for p in pages] + [out_dir / "profile.json"], overwrite=overwrite)
        context = BriefingContext(
            parameters=parameters, generated_at=dt.datetime.now(dt.UTC), store=store_name
        )
        links = [(a.name, f"neighbourhoods/{slug[a.name]}.html") for a in built.neighbourhoods]
        texts: dict[Path, str] = {}
        with progress.stage("drawing charts", total=len(pages)) as advance:
            for path, area in pages.items():
                if area is None:
                    texts[out_dir / path] = render_profile_page(
                        built, built.force, context, links=links
                    )
                else:
                    texts[out_dir / path] = render_profile_page(
                        built, area, context, back_href="../index.html"
                    )
                advance(1)
        texts[out_dir / "profile.json"] = json.dumps(built.as_json(), indent=2) + "\n"
        files = session.publish(
            "consultation",
            {"as_of": parameters.as_of, "years": years, "out": str(out_dir)},
            texts,
            overwrite=overwrite,
        )
    return ProfileOutputs(out_dir, out_dir / "index.html", files, built)
