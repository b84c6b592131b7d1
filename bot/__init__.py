"""The reply bot: a library with no Flask or database import.

`bot.draft(inquiry, context) -> Draft` is its one entry point; the dataclasses below
are the plain facts it reads and the answer it gives.
"""

from bot.drafting import draft, warm_up
from bot.facts import Action, CaseContext, Draft, Inquiry, OrderFacts, OrderLine, SellerSettings

__all__ = ["Action", "CaseContext", "Draft", "Inquiry", "OrderFacts", "OrderLine", "SellerSettings", "draft", "warm_up"]
