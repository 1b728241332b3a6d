"""The rules a partnership's answers must meet before the audit can be submitted.

Each rule is a small class whose docstring is the rule's text, as shown to people.
`broken_rules()` applies them all and is the only thing the check-answers page and
`audit_submit` consult. A carried-forward answer that nobody has reviewed counts as
unanswered.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Breach:
    rule: "Rule"
    response: object

    @property
    def message(self) -> str:
        return self.rule.message.format(ref=self.response.item.ref)

    @property
    def item_ref(self) -> str:
        return self.response.item.ref


class Rule:
    code = ""
    message = ""
    # The ratings whose answer this rule asks more of; the theme page reveals the fields
    # the rule needs (evidence, an action plan) for these ratings.
    levels: tuple[int, ...] = ()

    @classmethod
    def text(cls) -> str:
        return " ".join((cls.__doc__ or "").split())

    def is_broken_by(self, response) -> bool:
        raise NotImplementedError


class EveryItemRated(Rule):
    """Every item is rated. An answer carried forward from the last cycle counts only once
    someone has confirmed or changed it."""

    code = "unrated"
    message = "Item {ref} needs a rating"

    def is_broken_by(self, response):
        return response.effective_rating is None


class EvidenceForEstablishedRatings(Rule):
    """A rating of 2 (Established) or 3 (Embedded) needs evidence."""

    code = "no_evidence"
    message = "Item {ref} is rated 2 or 3, so it needs evidence"
    levels = (2, 3)

    def is_broken_by(self, response):
        return response.effective_rating in self.levels and not response.evidence.strip()


class ActionForLowRatings(Rule):
    """A rating of 0 (Not in place) or 1 (Emerging) needs at least one action with an owner
    and a due month."""

    code = "no_action"
    message = "Item {ref} is rated 0 or 1, so it needs an action with an owner and a due month"
    levels = (0, 1)

    def is_broken_by(self, response):
        return response.effective_rating in self.levels and not any(
            action.is_complete for action in response.action_list
        )


RULES: list[Rule] = [EveryItemRated(), EvidenceForEstablishedRatings(), ActionForLowRatings()]
EVIDENCE_RULE, ACTION_RULE = RULES[1], RULES[2]


def broken_rules(responses) -> list[Breach]:
    """Every breach of every rule, in item order. Responses should come with their actions
    (selectors.attach_actions, or prefetched)."""
    return [
        Breach(rule, response)
        for response in responses
        for rule in RULES
        if rule.is_broken_by(response)
    ]


def items_breaking(breaches) -> int:
    """How many items the breaches concern (an item may break more than one rule)."""
    return len({breach.response.pk for breach in breaches})


def theme_status(responses) -> str:
    """not_started, in_progress or completed for one theme's responses."""
    responses = list(responses)
    if not any(response.is_started for response in responses):
        return "not_started"
    if broken_rules(responses):
        return "in_progress"
    return "completed"
