"""The helpdesk command: each bad input gives one error line, a non-zero exit, and changes nothing."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from helpdesk.cli import main
from helpdesk.models import Agent, Role

STRONG = "violet-harbour-71-lantern"


def invoke(env: dict[str, str], *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=stdin)


def agents(engine: Engine) -> list[tuple[str, Role]]:
    with Session(engine) as s:
        return [(a.email, a.role) for a in s.scalars(select(Agent).order_by(Agent.id))]


def error_lines(result: Result) -> list[str]:
    return [line for line in result.output.splitlines() if line.strip()]


def test_help_lists_the_commands(runner_env: dict[str, str]) -> None:
    result = invoke(runner_env, "--help")
    assert result.exit_code == 0
    for command in ("create-agent", "db", "run", "demo"):
        assert command in result.output


def test_create_agent_reads_the_password_from_stdin(runner_env: dict[str, str], migrated_engine: Engine) -> None:
    result = invoke(runner_env, "create-agent", "--email", "li@example.com", "--name", "Li Wei", "--role", "supervisor",
                    "--password-stdin", stdin=STRONG + "\n")
    assert result.exit_code == 0, result.output
    assert "created supervisor li@example.com" in result.output
    assert agents(migrated_engine) == [("li@example.com", Role.SUPERVISOR)]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--email", "LI@example.com", "--name", "Li"], STRONG, "already exists"),
        (["--email", "new@example.com", "--name", "New"], "short", "too short"),
        (["--email", "new@example.com", "--name", "New"], "", "password is empty"),
        (["--email", "new@example.com", "--name", "New", "--role", "boss"], STRONG, "unknown role 'boss'"),
    ],
)
def test_bad_create_agent_input_fails_cleanly(
    runner_env: dict[str, str], migrated_engine: Engine, args: list[str], stdin: str, message: str
) -> None:
    invoke(runner_env, "create-agent", "--email", "li@example.com", "--name", "Li", "--password-stdin", stdin=STRONG + "\n")
    before = agents(migrated_engine)
    result = invoke(runner_env, "create-agent", *args, "--password-stdin", stdin=stdin + "\n")
    assert result.exit_code == 1
    assert error_lines(result) == [error_lines(result)[0]] and message in result.output
    assert result.output.startswith("Error: ")
    assert agents(migrated_engine) == before


@pytest.mark.parametrize(
    ("url", "message"),
    [("not a url", "malformed"), ("mysql://root@localhost/x", "unsupported database")],
)
def test_malformed_database_url_fails_cleanly(runner_env: dict[str, str], url: str, message: str) -> None:
    result = invoke({**runner_env, "HELPDESK_DATABASE_URL": url}, "db", "upgrade")
    assert result.exit_code == 1
    assert len(error_lines(result)) == 1 and message in result.output


def test_missing_secret_key_in_production_stops_start_up(runner_env: dict[str, str]) -> None:
    result = invoke({**runner_env, "HELPDESK_ENV": "production"}, "run", "--port", "5999")
    assert result.exit_code == 1
    assert "HELPDESK_SECRET_KEY is not set" in result.output


def test_create_agent_on_an_empty_database_says_to_upgrade(runner_env: dict[str, str], tmp_path) -> None:
    env = {**runner_env, "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    result = invoke(env, "create-agent", "--email", "a@example.com", "--name", "A", "--password-stdin", stdin=STRONG + "\n")
    assert result.exit_code == 1
    assert "run `helpdesk db upgrade`" in result.output


def test_unreachable_database_is_one_clear_line(runner_env: dict[str, str]) -> None:
    env = {**runner_env, "HELPDESK_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"}
    result = invoke(env, "db", "upgrade")
    assert result.exit_code == 1
    assert len(error_lines(result)) == 1 and "cannot use the database" in result.output


def test_db_upgrade_then_check_on_a_new_database(runner_env: dict[str, str], tmp_path) -> None:
    env = {**runner_env, "HELPDESK_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    assert invoke(env, "db", "upgrade").exit_code == 0
    check = invoke(env, "db", "check")
    assert check.exit_code == 0 and "agree" in check.output
    current = invoke(env, "db", "current")
    head = current.output.split("head:")[1].strip()
    assert f"current: {head}" in current.output
