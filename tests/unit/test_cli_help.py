"""Every `microfunnel` command and option says what it does in --help, whoever added it.

The walk is generic: it recurses into every subcommand the parser has, so a command added
later is checked without touching this file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys

import pytest

from commands.cli import build_parser
from microfunnel.settings import PROJECT_ROOT


def walk(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command path, its parser, its one-line help in the parent's list) for every command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {choice.dest: choice.help for choice in action._choices_actions}
            for name, command in action.choices.items():
                yield (*path, name), command, helps.get(name)
                yield from walk(command, (*path, name))


COMMANDS = list(walk(build_parser()))


def command_id(entry) -> str:
    return " ".join(entry[0])


def test_the_walk_finds_every_command_and_subcommand():
    names = {" ".join(path) for path, _, _ in COMMANDS}
    assert {"validate", "run", "demo", "dev", "sandbox", "sandbox simulate", "sandbox serve"} <= names


def test_the_top_level_help_says_what_microfunnel_is():
    assert build_parser().description.strip()


@pytest.mark.parametrize("entry", COMMANDS, ids=command_id)
def test_every_command_says_what_it_does(entry):
    path, command, listed_help = entry
    assert listed_help and listed_help.strip(), f"`microfunnel {' '.join(path)}` has no help= in its parent"
    assert command.description and command.description.strip(), f"`{command.prog} --help` has no description"


@pytest.mark.parametrize("entry", COMMANDS, ids=command_id)
def test_every_option_of_every_command_says_what_it_does(entry):
    _, command, _ = entry
    silent = [
        "/".join(action.option_strings) or action.dest
        for action in command._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction))
        and not (action.help and action.help.strip() and action.help != argparse.SUPPRESS)
    ]
    assert not silent, f"{command.prog}: options without help text: {silent}"
    command.format_help()  # every %(default)s and the like expands


def test_the_world_options_say_their_defaults():
    serve = dict((" ".join(path), command) for path, command, _ in COMMANDS)["sandbox serve"]
    text = serve.format_help()
    for option, default in [
        ("--seed", "7"),
        ("--persons", "20000"),
        ("--days", "28"),
        ("--start-date", "2026-10-01"),
    ]:
        assert option in text
        assert f"(default: {default})" in " ".join(text.split())


def test_microfunnel_help_runs_without_heavy_imports():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from commands.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in ('dagster', 'dbt', 'dlt') if m in sys.modules))",
        ],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "COMMAND" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "[]"
