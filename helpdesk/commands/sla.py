"""`helpdesk sla ...`: due times, policies, calendars, the sweeper and reports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from helpdesk import events
from helpdesk.commands.database import command_sessions
from helpdesk.commands.errors import cli_errors
from helpdesk.models import BusinessCalendar, SlaPolicy
from helpdesk.services.sla.calendar import CalendarError, parse_hours_text
from helpdesk.services.sla.policies import PolicyError, load_policy, set_calendar, set_policy
from helpdesk.services.sla.report import build_report
from helpdesk.services.sla.sweeper import sweep_sla


def parse_instant(text: str) -> datetime:
    """An ISO 8601 date-time with a time zone, or a clear error."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise click.ClickException(f"not an ISO 8601 date-time: {text!r} (e.g. 2026-11-27T23:30:00+01:00)") from None
    if value.tzinfo is None or value.utcoffset() is None:
        raise click.ClickException(f"{text!r} has no time zone: add Z or an offset such as +01:00")
    return value


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a Z."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@click.group("sla")
def sla() -> None:
    """Response SLAs: due times, policies, calendars, sweeper, reports."""


@sla.command("due")
@click.option("--policy", "policy_name", required=True, help="amazon, walmart, ebay-case, aliexpress-dispute or a configured name.")
@click.option("--received", required=True, help="When the message arrived, ISO 8601 with a time zone.")
@click.option("--json", "as_json", is_flag=True)
@cli_errors
def sla_due(policy_name: str, received: str, as_json: bool) -> None:
    """Print when a message received at --received must be answered under --policy (ISO 8601 UTC)."""
    start = parse_instant(received)
    engine, sessions = command_sessions()
    try:
        with sessions() as session:
            spec = load_policy(session, policy_name)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    minutes = spec.first_response_minutes or spec.next_response_minutes or spec.resolution_minutes
    assert minutes is not None
    due = spec.due(start, minutes)
    if as_json:
        click.echo(json.dumps({"policy": spec.name, "received": iso_utc(start), "due": iso_utc(due),
                               "clock": spec.clock.value, "minutes": minutes}))
    else:
        click.echo(iso_utc(due))


@sla.command("policies")
@click.option("--json", "as_json", is_flag=True)
@cli_errors
def sla_policies(as_json: bool) -> None:
    """List the configured policies and calendars."""
    engine, sessions = command_sessions()
    with sessions() as session:
        policies = list(session.scalars(select(SlaPolicy).options(selectinload(SlaPolicy.calendar)).order_by(SlaPolicy.name)))
        rows = [{"name": p.name, "kind": p.kind.value, "clock": p.clock.value, "platform": p.platform,
                 "channel_id": p.channel_id, "calendar": p.calendar.name if p.calendar else None,
                 "first_response_minutes": p.first_response_minutes, "next_response_minutes": p.next_response_minutes,
                 "resolution_minutes": p.resolution_minutes, "active": p.active} for p in policies]
        calendars = [{"name": c.name, "timezone": c.timezone, "hours": c.weekly_hours, "holiday_country": c.holiday_country}
                     for c in session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.name))]
    engine.dispose()
    if as_json:
        click.echo(json.dumps({"policies": rows, "calendars": calendars}))
        return
    for row in rows:
        targets = "/".join(str(row[k] or "-") for k in ("first_response_minutes", "next_response_minutes", "resolution_minutes"))
        scope = row["platform"] or (f"channel {row['channel_id']}" if row["channel_id"] else "all")
        click.echo(f"{row['name']:<20} {row['kind']:<12} {row['clock']:<9} {scope:<10} minutes {targets:<16} "
                   f"calendar={row['calendar'] or '-'}")


@sla.command("calendar")
@click.argument("name")
@click.option("--timezone", required=True, help="IANA zone, e.g. Europe/Berlin or Asia/Shanghai.")
@click.option("--hours", required=True, help="e.g. 'mon-fri=09:00-12:30,13:30-18:00;sat=10:00-14:00'.")
@click.option("--country", help="Public holidays of this country (ISO code, e.g. DE).")
@click.option("--subdivision", help="State or province for the holidays (e.g. BY).")
@click.option("--closed", "closed", multiple=True, help="A custom closed day, YYYY-MM-DD (repeatable).")
@cli_errors
def sla_calendar(name: str, timezone: str, hours: str, country: str | None, subdivision: str | None,
                 closed: tuple[str, ...]) -> None:
    """Create or replace a business calendar (nothing is stored if any part is wrong)."""
    try:
        weekly = parse_hours_text(hours)
        days = [date.fromisoformat(d) for d in closed]
    except CalendarError as exc:
        raise click.ClickException(str(exc)) from None
    except ValueError:
        raise click.ClickException("closed days are dates like 2026-12-24") from None
    engine, sessions = command_sessions()
    try:
        with sessions() as session:
            set_calendar(session, name, timezone=timezone, weekly_hours=weekly, holiday_country=country,
                         holiday_subdivision=subdivision, closed_days=days)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"calendar {name} saved")


@sla.command("policy")
@click.argument("name")
@click.option("--kind", type=click.Choice(["company", "marketplace"]), default="company", show_default=True)
@click.option("--clock", type=click.Choice(["business", "wall"]), default="business", show_default=True)
@click.option("--calendar", help="Calendar name (required for business hours).")
@click.option("--first-response", type=int, help="Minutes.")
@click.option("--next-response", type=int, help="Minutes.")
@click.option("--resolution", type=int, help="Minutes.")
@click.option("--platform", help="Apply to every channel of this platform.")
@click.option("--channel", "channel_id", type=int, help="Apply to this channel only.")
@click.option("--warn-at", default=0.75, show_default=True, help="Share of the time after which a ticket is at risk.")
@click.option("--no-pause", is_flag=True, help="Keep counting while the ticket waits on the buyer.")
@cli_errors
def sla_policy(name: str, kind: str, clock: str, calendar: str | None, first_response: int | None,
               next_response: int | None, resolution: int | None, platform: str | None, channel_id: int | None,
               warn_at: float, no_pause: bool) -> None:
    """Create or replace a policy (nothing is stored if any part is wrong)."""
    engine, sessions = command_sessions()
    try:
        with sessions() as session:
            set_policy(session, name, kind=kind, clock=clock, calendar=calendar, first_response_minutes=first_response,
                       next_response_minutes=next_response, resolution_minutes=resolution, platform=platform,
                       channel_id=channel_id, warn_fraction=warn_at, pause_when_pending=not no_pause)
    except PolicyError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        engine.dispose()
    click.echo(f"policy {name} saved")


@sla.command("sweep")
@cli_errors
def sla_sweep() -> None:
    """Mark tickets at risk and breached now (the web process and `helpdesk poll` do this continuously)."""
    engine, sessions = command_sessions()
    with sessions() as session:
        emitted = sweep_sla(session)
    events.publish(emitted)
    engine.dispose()
    warnings = sum(1 for e in emitted if e.name == events.SLA_WARNING)
    click.echo(f"{warnings} ticket(s) at risk, {len(emitted) - warnings} newly breached")


@sla.command("report")
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3650))
@click.option("--json", "as_json", is_flag=True)
@cli_errors
def sla_report(days: int, as_json: bool) -> None:
    """Late Response Rate (7/30/90 days), first-response p50/p90 per group, breaches, backlog by age."""
    engine, sessions = command_sessions()
    with sessions() as session:
        report = build_report(session, days=days)
    engine.dispose()
    if as_json:
        click.echo(json.dumps(report.as_dict()))
        return
    click.echo(f"SLA report, last {days} days ({report.generated_at})\n\nMarketplace clocks:")
    for m in report.marketplace:
        rate = "-" if m.late_response_rate is None else f"{m.late_response_rate:.1%}"
        avg = "-" if m.average_response_hours is None else f"{m.average_response_hours:.1f} h"
        click.echo(f"  {m.platform:<8} {m.channel:<24} {m.days:>2}d  messages {m.messages:>7}  late {m.late:>6}  "
                   f"LRR {rate:>6}  avg response {avg}")
    click.echo("\nFirst response:")
    for g in report.groups:
        p50 = "-" if g.first_response_p50_hours is None else f"{g.first_response_p50_hours:.1f}h"
        p90 = "-" if g.first_response_p90_hours is None else f"{g.first_response_p90_hours:.1f}h"
        click.echo(f"  {g.grouping:<9} {g.key[:24]:<24} tickets {g.tickets:>7}  answered {g.answered:>7}  "
                   f"p50 {p50:>7}  p90 {p90:>7}  breached {g.breached}")
    click.echo("\nBacklog by age:")
    for platform, buckets in report.backlog.items():
        click.echo(f"  {platform:<10} " + "  ".join(f"{k} {v}" for k, v in buckets.items()))
