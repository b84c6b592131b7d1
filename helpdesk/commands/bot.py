"""`helpdesk bot ...` and `helpdesk bench bot` (the reply bot's commands)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

import click

# A small corpus of our own for the benchmark: every intent, many languages, short and long.
BENCH_MESSAGES: tuple[tuple[str, str], ...] = (
    ("hey, any news on my parcel? ordered last week", "amazon.com"),
    ("Moin, ist mein Paket schon raus? Bestellung 028-5550101-7730211", "amazon.de"),
    ("bonjour je voudrais annuler ma commande svp", "amazon.fr"),
    ("el cargador llegó quemado y huele a plástico, es peligroso", "amazon.es"),
    ("buongiorno, mi serve la fattura con partita iva", "amazon.it"),
    ("oi, vcs tem esse tênis no 42?", "shopify"),
    ("het pakketje is nog steeds niet binnen, al 3 weken!", "bol.com"),
    ("przyszła zła rozmiarówka, chcę wymienić", "allegro.pl"),
    ("注文した商品がまだ届きません。確認お願いします", "amazon.co.jp"),
    ("我想改一下收货地址", "aliexpress.com"),
    ("배송 언제 와요? 일주일 넘었어요", "coupang.com"),
    ("Спасибо, всё пришло, продавцу респект", "aliexpress.ru"),
    ("ürün kırık geldi, iade etmek istiyorum", "amazon.com.tr"),
    ("سأرفع قضية إذا لم ترجعوا فلوسي", "amazon.sa"),
    ("WHERE IS MY ORDER I PAID TWO WEEKS AGO", "ebay.com"),
    ("ok", "shopify"),
)


def _read_jsonl(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as fh:
        for number, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise click.ClickException(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if "text" not in rows[-1]:
                raise click.ClickException(f"{path}:{number}: no \"text\"")
    return rows


@click.group()
def bot() -> None:
    """Draft replies with the bot and evaluate it on labelled messages."""


@bot.command("draft")
@click.argument("text", required=False)
@click.option("--platform", default="", help="amazon, ebay, aliexpress, shopify, ...")
@click.option("--marketplace", default="", help="e.g. amazon.de")
@click.option("--order-json", "order_json", type=click.Path(exists=True, dir_okay=False), help="order facts as JSON")
@click.option("--batch", type=click.Path(exists=True, dir_okay=False), help="JSONL file: one draft per line")
@click.option("--agent-language", default="en", show_default=True, help="language of the agent's copy")
@click.option("--json", "as_json", is_flag=True, help="print the draft as JSON")
def draft_command(text: str | None, platform: str, marketplace: str, order_json: str | None, batch: str | None,
                  agent_language: str, as_json: bool) -> None:
    """Print the bot's draft for TEXT (or for every line of --batch) and its explanation."""
    from bot import CaseContext, Inquiry, draft
    from bot.evaluation import draft_line
    from bot.facts import order_from_dict

    if batch:
        today = date.today()
        for row in _read_jsonl(batch):
            click.echo(json.dumps(draft_line(row, today).as_dict(), ensure_ascii=False))
        return
    if not text:
        raise click.UsageError("give TEXT or --batch FILE.jsonl")
    order = None
    if order_json:
        try:
            order = order_from_dict(json.loads(Path(order_json).read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError) as exc:
            raise click.ClickException(f"{order_json}: not an order ({exc})") from exc
    if not platform and marketplace:
        platform = marketplace.split(".")[0]
    result = draft(Inquiry(text=text, platform=platform, marketplace=marketplace), CaseContext(order=order))
    if as_json:
        data = result.as_dict()
        data["text_in_agent_language"] = result.text_in(agent_language)
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(f"language  {result.language} ({result.language_confidence:.2f})")
    click.echo(f"intent    {result.intent} ({result.intent_confidence:.2f})")
    click.echo(f"action    {result.action.value}")
    click.echo(f"rule      {result.rule}")
    if result.missing_facts:
        click.echo(f"missing   {', '.join(result.missing_facts)}")
    for reason in result.why:
        click.echo(f"why       {reason}")
    click.echo("\n" + result.text)
    if agent_language != result.language:
        click.echo(f"\n--- for the agent ({agent_language}) ---\n" + result.text_in(agent_language))


@bot.command("eval")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="print the metrics as one JSON object")
@click.option("--errors", is_flag=True, help="also list the lines the bot got wrong")
def eval_command(path: str, as_json: bool, errors: bool) -> None:
    """Score the bot on labelled lines: language, intent, escalation, unsafe auto-sends, latency."""
    from bot.evaluation import evaluate

    rows = _read_jsonl(path)
    for number, row in enumerate(rows, 1):
        if "lang" not in row or "intent" not in row:
            raise click.ClickException(f"{path}:{number}: needs \"lang\" and \"intent\"")
    report = evaluate(rows)
    if as_json:
        data = report.as_dict()
        if errors:
            data["errors"] = report.errors
        click.echo(json.dumps(data, ensure_ascii=False))
        return
    click.echo(f"lines                    {report.n}")
    click.echo(f"language accuracy        {report.language_accuracy:.1%}")
    click.echo(f"  under 20 characters    {report.language_accuracy_short:.1%} ({report.n_short} lines)")
    click.echo(f"intent accuracy          {report.intent_accuracy:.1%}")
    click.echo(f"intent macro-F1          {report.intent_macro_f1:.3f}")
    click.echo(f"escalation recall        {report.escalation_recall:.1%}")
    click.echo(f"auto-sends               {report.auto_sends}")
    click.echo(f"unsafe_auto_sends        {report.unsafe_auto_sends}")
    click.echo(f"latency p50 / p99        {report.latency_ms_p50:.2f} / {report.latency_ms_p99:.2f} ms")
    click.echo("\nlanguage    n   language  intent")
    for lang, row in report.per_language.items():
        click.echo(f"{lang:<8}{row['n']:>5}   {row['language_accuracy']:>7.1%}  {row['intent_accuracy']:>6.1%}")
    click.echo("\nintent                        n  precision  recall     F1")
    for intent, row in report.per_intent.items():
        click.echo(f"{intent:<27}{row['n']:>4}  {row['precision']:>9.3f}  {row['recall']:>6.3f}  {row['f1']:.3f}")
    if errors:
        click.echo("\nerrors")
        for error in report.errors:
            click.echo(f"  {error['lang']:<8} {error['intent']:<50} {error['action']:<9} {error['text'][:80]}")


# The project's labelled buyer messages, one file per language (a checkout's tests/bot/messages).
TRAINING_DIR = Path(__file__).resolve().parents[2] / "tests" / "bot" / "messages"


@bot.command("train")
@click.option("--messages", "folder", type=click.Path(exists=True, file_okay=False, path_type=Path), default=TRAINING_DIR,
              show_default=True, help="folder of labelled <lang>.jsonl files")
@click.option("--check", is_flag=True, help="only say whether the shipped model was trained on these files")
def train_command(folder: Path, check: bool) -> None:
    """Train the learned intent model (bot/model/intents.bin.gz) on labelled messages."""
    from bot import learned
    from bot.intents import INTENTS

    paths = sorted(folder.glob("*.jsonl"))
    if not paths:
        raise click.ClickException(f"no .jsonl files in {folder}")
    digest = learned.fingerprint(paths)
    if check:
        shipped = learned.load()
        if shipped is None or shipped.fingerprint != digest:
            raise click.ClickException("the model is out of date: run `helpdesk bot train`")
        click.echo("the model matches its training messages")
        return
    try:
        rows = learned.read_messages(paths)
    except (json.JSONDecodeError, KeyError) as exc:
        raise click.ClickException(f"a training line is not labelled JSON: {exc}") from exc
    unknown = sorted({intent for _, intent in rows} - set(INTENTS))
    if unknown:
        raise click.ClickException(f"unknown intents in the training files: {', '.join(unknown)}")
    model = learned.train(rows, INTENTS, digest)
    learned.save(model)
    click.echo(f"trained on {len(rows)} messages from {len(paths)} files: {len(model.index)} features -> {learned.MODEL_PATH}")


# VmHWM, not ru_maxrss: on Linux ru_maxrss survives exec and would report the parent's peak.
_COLD_START = """
import json, time
t = time.perf_counter()
import bot
imported = time.perf_counter() - t
bot.draft(bot.Inquiry("Wo ist meine Bestellung?", platform="amazon", marketplace="amazon.de"))
first = time.perf_counter() - t
bot.warm_up()
status = dict(line.split(":", 1) for line in open("/proc/self/status") if ":" in line)
print(json.dumps({"import_s": imported, "import_and_first_draft_s": first,
                  "rss_mb": int(status["VmHWM"].split()[0]) / 1024}))
"""


def _rss_mb() -> float:
    """Peak resident memory of this process (the helpdesk CLI with Flask and the bot loaded)."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@click.command("bot")
@click.option("--json", "as_json", is_flag=True, help="print the figures as one JSON object")
@click.option("--rounds", default=50, show_default=True, help="passes over the sample messages")
def bench_bot(as_json: bool, rounds: int) -> None:
    """Drafts per second, p50/p99 latency, cold import time and memory of the bot."""
    from bot import CaseContext, Inquiry, draft
    from bot.evaluation import default_order, eval_settings, percentile

    # A fresh interpreter measures what a worker pays on start: import, first draft, resident memory.
    cold = json.loads(subprocess.run([sys.executable, "-c", _COLD_START], check=True, capture_output=True,
                                     text=True).stdout)
    today = date.today()
    context = CaseContext(order=default_order(today), settings=eval_settings(), today=today)
    inquiries = [Inquiry(text, platform=m.split(".")[0], marketplace=m) for text, m in BENCH_MESSAGES]
    for inquiry in inquiries:  # warm the caches once; the benchmark measures steady state
        draft(inquiry, context)
    latencies = []
    started = time.perf_counter()
    for round_ in range(rounds):
        for inquiry in inquiries:
            # A distinct text each round so the normalisation cache does not flatter the figures.
            varied = Inquiry(f"{inquiry.text} {round_}", platform=inquiry.platform, marketplace=inquiry.marketplace)
            t = time.perf_counter()
            draft(varied, context)
            latencies.append((time.perf_counter() - t) * 1000)
    elapsed = time.perf_counter() - started
    figures = {
        "drafts": len(latencies),
        "drafts_per_second": round(len(latencies) / elapsed, 1),
        "latency_ms_p50": round(percentile(latencies, 50), 3),
        "latency_ms_p99": round(percentile(latencies, 99), 3),
        "import_s": round(cold["import_s"], 3),
        "import_and_first_draft_s": round(cold["import_and_first_draft_s"], 3),
        "rss_mb_bot_process_peak": round(cold["rss_mb"], 1),
        "rss_mb_helpdesk_cli_process": round(_rss_mb(), 1),
    }
    if as_json:
        click.echo(json.dumps(figures))
        return
    for key, value in figures.items():
        click.echo(f"{key:<26} {value}")
