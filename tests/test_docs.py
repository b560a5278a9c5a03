"""Keep the docs honest: every command has help and a page, every example's options exist,
every page is reachable from the README and every relative link resolves."""

from __future__ import annotations

import re
import shlex
from functools import cache
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from perp_graph.cli import app

ROOT = Path(__file__).parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
ALL_PAGES = [README, *PAGES]
CLI = typer.main.get_command(app)
COMMANDS = sorted(CLI.commands)
GROUPS = {
    name: sorted(command.commands)
    for name, command in CLI.commands.items()
    if hasattr(command, "commands")
}
SUBCOMMANDS = [(group, sub) for group, subs in sorted(GROUPS.items()) for sub in subs]

FENCE = re.compile(r"^```.*?^```", re.M | re.S)
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


def text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def prose(page: Path) -> str:
    """The page without its fenced code blocks."""
    return FENCE.sub("", text(page))


def code_lines(page: Path) -> list[str]:
    """Lines of the page's fenced code blocks."""
    return [line for block in FENCE.findall(text(page)) for line in block.splitlines()[1:-1]]


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    heading = heading.strip().lower().replace("`", "")
    heading = re.sub(r"[^\w\- ]", "", heading)
    return heading.replace(" ", "-")


@cache
def anchors(page: Path) -> frozenset[str]:
    seen: dict[str, int] = {}
    found = set()
    for line in prose(page).splitlines():
        match = re.match(r"#{1,6} (.+)", line)
        if match:
            base = slug(match.group(1))
            count = seen.get(base, 0)
            seen[base] = count + 1
            found.add(base if count == 0 else f"{base}-{count}")
    return frozenset(found)


def relative_links(page: Path) -> list[str]:
    return [
        target
        for target in LINK.findall(prose(page))
        if not re.match(r"[a-z][a-z0-9+.-]*:", target)  # http:, https:, mailto:
    ]


ANALYST_GUIDE = "\n".join(text(page) for page in sorted((DOCS / "analyst").glob("*.md")))


def test_readme_starts_with_the_two_quick_start_commands():
    readme = text(README)
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "make demo" in quick
    assert "make test" in quick
    first_block = FENCE.search(readme).group(0).splitlines()[1:-1]
    assert [line.split()[:2] for line in first_block] == [["make", "demo"], ["make", "test"]]
    assert "make test" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_section_in_the_analysts_guide(command):
    assert re.search(rf"^#+ `perp-graph {command}`$", ANALYST_GUIDE, re.M)


@pytest.mark.parametrize(("group", "sub"), SUBCOMMANDS)
def test_every_subcommand_has_an_example(group, sub):
    assert f"perp-graph {group} {sub}" in ANALYST_GUIDE


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = CliRunner().invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.output) > 200


@pytest.mark.parametrize("option", ["--workspace", "--config", "--quiet"])
def test_store_commands_share_options(option):
    for command in ("load", "scan"):
        assert option in CliRunner().invoke(app, [command, "--help"]).output


@cache
def help_text(*words: str) -> str:
    result = CliRunner().invoke(app, [*words, "--help"], terminal_width=200)
    assert result.exit_code == 0, (words, result.output)
    return result.output


def examples() -> list[tuple[str, str]]:
    """(page, line) for every `perp-graph ...` line in a code block of the docs."""
    return [
        (str(page.relative_to(ROOT)), line)
        for page in ALL_PAGES
        for line in code_lines(page)
        if line.startswith("perp-graph ")
    ]


@pytest.mark.parametrize(("page", "line"), examples())
def test_every_example_uses_options_the_command_has(page, line):
    words = shlex.split(line.split(" #", 1)[0].split("&&", 1)[0])[1:]
    global_help = help_text()
    while words and words[0].startswith("-"):  # options before the command
        assert words.pop(0) in global_help, line
    command = [words.pop(0)]
    assert command[0] in COMMANDS, line
    if command[0] in GROUPS and words and not words[0].startswith("-"):
        assert words[0] in GROUPS[command[0]], line
        command.append(words.pop(0))
    options = {word.split("=", 1)[0] for word in words if re.match(r"--?[a-z]", word)}
    usage = help_text(*command)
    for option in options:
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", usage), (page, line, option)


def test_there_are_examples_to_check():
    assert len(examples()) > 30


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_docs_page_is_linked_from_the_readme(page):
    targets = (target.split("#", 1)[0] for target in relative_links(README))
    linked = {(README.parent / target).resolve() for target in targets}
    assert page.resolve() in linked


@pytest.mark.parametrize("page", ALL_PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_every_relative_link_resolves(page):
    for target in relative_links(page):
        path, _, anchor = target.partition("#")
        goal = (page.parent / path).resolve() if path else page.resolve()
        assert goal.exists(), (target, f"{goal} does not exist")
        assert ROOT.resolve() in goal.parents, (target, "leads out of the repository")
        if anchor and goal.suffix == ".md":
            assert anchor in anchors(goal), (target, f"no heading #{anchor} in {goal.name}")
