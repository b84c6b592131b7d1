"""The reply bot: a library with no Flask or database import.

Scaffold only for now: the multilingual language detection, intents, rules and
templates arrive with the bot issue. `bot.draft(inquiry, context) -> Draft`
will be its one entry point.
"""

__all__: list[str] = []
