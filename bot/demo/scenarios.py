"""The demo's fixed content: ids, its epoch, dialogue lines, names, labels, prompts, errors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]

ENDPOINT_URL = "api.bland.ai"
FROM_NUMBER = "+17473423273"
DEMO_EPOCH = datetime(2024, 5, 6, 14, 0, tzinfo=UTC)

CAMPAIGN_RENEWALS = "a2shduf92f74p8288c93nid5"
CAMPAIGN_SURVEYS = "k9cx2mq41sv7p0demo3zz8qw"

SMALL_BATCH_ID = "DemoSmall0000003-gen-batch"
LIVE_BATCH_ID = "DemoLive00000040-gen-batch"
LARGE_BATCH_ID = "DemoLarge0000250-gen-batch"
ERRORS_BATCH_ID = "DemoErrors000030-gen-batch"
HOSTILE_BATCH_ID = "DemoHostile00003-gen-batch"
UNLABELLED_BATCH_ID = "DemoNoLabel00005-gen-batch"

ERROR_MESSAGES = (
    "Cannot transfer to +12223334444 - Call is no longer active",
    "Invalid phone number",
    "Call failed: the carrier rejected the call",
    "Insufficient balance to place call",
)

_Line = tuple[str, str]
Dialogue = tuple[_Line, ...]

_RENEWAL_DIALOGUES: tuple[Dialogue, ...] = (
    (
        ("assistant", "Hi, is this {name}?"),
        ("user", "Yes, speaking."),
        (
            "assistant",
            "Great. I'm calling from {business} because your {service} subscription "
            "expires on {date}. Would you like to renew?",
        ),
        ("user", "Oh, right. Yes, let's renew it."),
        ("assistant", "Wonderful. You'll get a confirmation from {url} in a few minutes."),
        ("user", "Perfect, thanks."),
        ("agent-action", "Ended call: Goodbye"),
    ),
    (
        ("assistant", "Hello {name}, I'm calling about your {service} subscription."),
        ("user", "What about it?"),
        ("assistant", "It expires on {date}. Shall I renew it for another year?"),
        ("user", "We're moving to another provider, so we won't renew."),
        ("assistant", "Understood. Is there anything we could have done better?"),
        ("user", "No, it's just the budget this year. Thanks for calling."),
        ("agent-action", "Ended call: Goodbye"),
    ),
    (
        ("assistant", "Hi, may I speak with {name}?"),
        ("user", "They're not in right now. Can you call back tomorrow?"),
        ("assistant", "Of course. I'll call back tomorrow. Have a good day."),
        ("agent-action", "Ended call: Callback scheduled"),
    ),
)

_SATISFACTION_DIALOGUES: tuple[Dialogue, ...] = (
    (
        (
            "assistant",
            "Hi {name}, I'm calling about your recent purchase of the {item}. "
            "Do you have a minute for two quick questions?",
        ),
        ("user", "Sure, go ahead."),
        ("assistant", "From one to five, how happy are you with the {item}?"),
        ("user", "I'd say a four. It works well, but setup took a while."),
        ("assistant", "Thanks. Would you recommend it to a friend?"),
        ("user", "Yes, probably."),
        ("assistant", "That's all. Thank you for your time!"),
        ("agent-action", "Ended call: Goodbye"),
    ),
    (
        ("assistant", "Hello {name}, how are you finding the {item} you bought last week?"),
        ("user", "Honestly, not great. It stopped working after three days."),
        (
            "assistant",
            "I'm sorry to hear that. I'll ask our support team to contact you about a replacement.",
        ),
        ("user", "Please do, thank you."),
        ("agent-action", "Transferred call to support"),
    ),
)

VOICEMAIL: Dialogue = (
    ("user", "Hi, you've reached {name}. Leave a message after the tone."),
    ("assistant", "Hi {name}, this is Janessa from {business}. Please call us back. Thanks!"),
    ("agent-action", "Ended call: Voicemail left"),
)

UNKNOWN: Dialogue = (
    ("assistant", "Hello, is this {name}?"),
    ("user", "Hello? ... Hello?"),
    ("agent-action", "Ended call: No response"),
)

NAMES = (
    "Alex Kim",
    "Maria Garcia",
    "Sam Patel",
    "Jordan Lee",
    "Priya Shah",
    "Chris Novak",
    "Dana Okafor",
    "Lee Wong",
    "Ana Costa",
    "Tom Becker",
)
BUSINESSES = ("Acme Dental", "Blue Fin Cafe", "Northside Gym", "Harbor Books", "Pixel Print")
SERVICES = ("Premium Support", "Cloud Backup", "Pro Analytics", "Team Scheduler")
ITEMS = ("espresso machine", "standing desk", "robot vacuum", "noise-cancelling headphones")
DATES = ("June 1", "June 15", "July 1", "July 31")

# One entry per 5%: human 55%, voicemail 25%, no-answer 10%, unknown 5%, not detected 5%.
OUTCOME_TABLE: tuple[str | None, ...] = (
    ("human",) * 11 + ("voicemail",) * 5 + ("no-answer",) * 2 + ("unknown", None)
)


@dataclass(frozen=True)
class Scenario:
    """One kind of demo batch: its label, prompt and call parameters, and its dialogues."""

    label: str
    base_prompt: str
    call_params: JSON
    dialogues: tuple[Dialogue, ...]


SCENARIOS: dict[str, Scenario] = {
    "renewal": Scenario(
        label="Subscription Renewal Reminders",
        base_prompt=(
            "You are calling {{business}} and need to let them know that their subscription "
            "to {{service}} is going to expire on {{date}}. If they'd like to renew, take "
            "their credit card information and bill them through {{url}}"
        ),
        call_params={
            "reduce_latency": True,
            "voice_id": 2,
            "language": "eng",
            "request_data": {"test_param": "request data.test_param", "your name": "Janessa"},
            "max_duration": 5,
            "wait_for_greeting": False,
        },
        dialogues=_RENEWAL_DIALOGUES,
    ),
    "satisfaction": Scenario(
        label="Customer Satisfaction Follow-up",
        base_prompt=(
            "You are calling {{name}} about their recent purchase of the item: {{item}}. Ask "
            "them each of the following questions about the specific item they purchased: "
            "{{questions}}"
        ),
        call_params={
            "reduce_latency": True,
            "voice_id": 0,
            "language": "eng",
            "max_duration": 10,
            "wait_for_greeting": False,
        },
        dialogues=_SATISFACTION_DIALOGUES,
    ),
}
