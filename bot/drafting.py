"""`draft()`: detect the language, classify the intent, run the rules, render the reply."""

from __future__ import annotations

from functools import partial
from typing import Any

from bot.facts import Action, CaseContext, Draft, Inquiry
from bot.intents import bank, classify, negated, thin
from bot.language import detect, load_models, marketplace_language
from bot.normalise import order_reference
from bot.pack import pack_languages
from bot.replies import facts_for, has_templates, prepare_all, render
from bot.rules import Signals, decide, may_auto_send, policy_violations, scrub


def _languages(language: str, inquiry: Inquiry) -> list[str]:
    # The buyer's language first, then English (loanwords such as "tracking", "invoice")
    # and the marketplace's language (a German buyer on amazon.de writing a mixed message).
    market = marketplace_language(inquiry.marketplace, inquiry.locale)
    return list(dict.fromkeys(x for x in (language, "en", market) if x))


def _render_in(outcome: str, facts: dict[str, Any], platform: str, agent_language: str) -> str:
    text = render(outcome, agent_language, facts).text
    protected = (facts["order_id"], facts["tracking_number"])
    return scrub(text, protected) if policy_violations(platform, text, protected) else text


def draft(inquiry: Inquiry, context: CaseContext | None = None) -> Draft:
    """Draft a reply to one buyer message and explain the decision."""
    context = context or CaseContext()
    guess = detect(f"{inquiry.subject} {inquiry.text}".strip(), inquiry.marketplace, inquiry.locale, inquiry.earlier_messages)
    languages = _languages(guess.language, inquiry)
    intent = classify(inquiry.text, languages, inquiry.subject)
    earlier = tuple(
        g.intent for g in (classify(m, languages) for m in inquiry.earlier_messages[-5:]) if g.intent != "other"
    )
    scores = dict(intent.scores)
    gap = scores.get(intent.intent, 0.0) - scores.get(intent.runner_up, 0.0) if intent.runner_up else 100.0
    signals = Signals(
        intent=intent.intent, intent_confidence=intent.confidence, language_confidence=guess.confidence,
        runner_up=intent.runner_up, runner_up_gap=gap, matched=intent.matched, earlier_intents=earlier,
        has_templates=has_templates(guess.language), negated=negated(inquiry.text, languages[:1]),
        order_reference=order_reference(inquiry.text) or order_reference(inquiry.subject), thin_evidence=thin(intent.matched),
    )
    decision = decide(inquiry, context, signals)
    why = [f"language {guess.language} ({guess.confidence:.2f}): {guess.why}", *decision.why]
    facts = facts_for(inquiry, context, guess.language)
    rendered = render(decision.outcome, guess.language, facts)
    text = rendered.text
    if rendered.fell_back:
        why.append(f"no templates for {guess.language}: the reply is in English")
    protected = (facts["order_id"], facts["tracking_number"])
    violations = policy_violations(inquiry.platform, text, protected)
    action = decision.action
    if violations:
        text = scrub(text, protected)
        why.append(f"{inquiry.platform} policy: removed {', '.join(violations)}; an agent must check the reply")
    elif action is Action.DRAFT:
        allowed, reason = may_auto_send(decision, inquiry, context, signals)
        if allowed:
            action = Action.AUTO_SEND
        why.append(("auto-send: " if allowed else "draft only: ") + reason)
    return Draft(
        language=guess.language, language_confidence=guess.confidence, intent=intent.intent,
        intent_confidence=intent.confidence, action=action, text=text, rule=decision.rule, why=tuple(why),
        missing_facts=decision.missing_facts, outcome=decision.outcome,
        render=partial(_render_in, decision.outcome, facts, inquiry.platform),
    )


def warm_up() -> None:
    """Load every model, phrase bank, template and locale now rather than on the first buyer."""
    load_models()
    for lang in pack_languages():
        bank(lang)
    prepare_all()
    for text, market in (("where is my order?", "amazon.com"), ("Wo ist meine Bestellung?", "amazon.de"),
                         ("返品したいです", "amazon.co.jp")):
        draft(Inquiry(text, platform=market.split(".")[0], marketplace=market))
