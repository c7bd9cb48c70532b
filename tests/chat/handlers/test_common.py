"""What every chat gets, through the real Application offline (tests/support/ptb_offline.py):
/help and /about, unknown commands, free text, old buttons, escaped names, non-text messages."""

from __future__ import annotations

import pytest
from ptb_offline import (
    OfflineBot,
    TgUser,
    answers,
    check_html,
    onboard,
    texts,
    visible_text,
)

from bot.chat.handlers.common import MAX_MATCH_CHARS, has_symptom_words, health_faq_keys
from bot.chat.render.common import CLINICIAN_LINE


async def test_unknown_command_and_free_text_get_answers(bot: OfflineBot) -> None:
    chat = bot.chat()
    unknown = visible_text(texts(await chat.send("/frobnicate"))[0])
    assert "/frobnicate" in unknown and "/help" in unknown
    free = visible_text(texts(await chat.send("hello, what can you do?"))[0])
    assert "/today" in free and "/help" in free
    help_text = visible_text(texts(await chat.send("/help"))[0])
    assert "/shopping" in help_text and "not medical advice" in help_text
    about = visible_text(texts(await chat.send("/about"))[0])
    assert "SR28" in about and "does not treat MS" in about and "clinician" in about


async def test_old_version_button_is_answered(bot: OfflineBot) -> None:
    chat = bot.chat()
    await chat.send("/help")
    message = chat.messages()[-1]
    calls = await chat.tap_data("v0:swap:20200101:lunch", message)
    assert "older version" in answers(calls)[0]


async def test_html_escaping_of_user_name(bot: OfflineBot) -> None:
    chat = bot.chat(TgUser(id=99, first_name='<b>Tom & "Jerry"</b>'))
    calls = await chat.send("/start")
    text = texts(calls)[0]
    check_html(text)
    assert "&lt;b&gt;Tom &amp; &quot;Jerry&quot;&lt;/b&gt;" in text
    assert 'Hi <b>Tom & "Jerry"</b>!' in visible_text(text)
    await onboard(chat)
    welcome_back = texts(await chat.send("/start"))[0]
    check_html(welcome_back)
    assert "&lt;b&gt;Tom" in welcome_back


# ------------------------------------------------------------------ health questions typed as text


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("how much b12 should I take for MS", ("supplements", "ms")),
        ("Should I get B12 injections?", ("supplements",)),
        ("my lab says my level is 180", ("testing",)),
        ("am I deficient?", ("testing",)),
        ("does b12 help multiple sclerosis", ("ms",)),
        ("vitamin?", ()),
    ],
)
def test_health_words_pick_the_faq_entries(typed: str, keys: tuple[str, ...]) -> None:
    assert health_faq_keys(typed) == keys


@pytest.mark.parametrize(
    "typed", ["what should I eat?", "hello, what can you do?", "the items on the label", "thanks"]
)
def test_other_free_text_is_not_taken_for_a_health_question(typed: str) -> None:
    assert health_faq_keys(typed) is None


async def test_a_typed_dose_question_gets_the_faq_and_the_clinician(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    calls = await chat.send("how much b12 should I take for MS")
    sent = texts(calls)
    assert len(sent) == 1
    check_html(sent[0])
    shown = visible_text(sent[0])
    assert CLINICIAN_LINE in shown
    assert "/faq supplements" in shown and "/faq ms" in shown
    assert "/recipe" not in shown  # not the generic command list
    labels = [label for label, _ in calls[-1].buttons]
    assert labels == ["❓ Supplements or injections?", "❓ Does B12 help MS itself?"]
    calls = await chat.tap("Does B12 help MS itself?")
    opened = visible_text(texts(calls)[0] if texts(calls) else texts(calls, "editMessageText")[0])
    assert "B12 does not treat MS" in opened
    assert "That question is gone" not in " ".join(answers(calls))


async def test_other_free_text_still_gets_the_command_list(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send("what should I eat?"))[0])
    assert "/today" in shown and "/help" in shown and CLINICIAN_LINE not in shown


@pytest.mark.parametrize(
    "typed",
    [
        "I feel numbness in my legs",
        "my hands are TINGLING",
        "pins and needles in my feet since Monday",
        "my legs feel weak today",
        "I lost my balance and fell",
        "feeling dizzy",
        "my memory is getting bad and I get confused",
        "my vision is blurry",
        "so tired all the time",
        "is my fatigue from low b12?",
        "things got worse this week",
        "I have new symptoms",
    ],
)
async def test_typed_symptoms_get_the_gp_or_ms_team_answer(bot: OfflineBot, typed: str) -> None:
    chat = bot.chat()
    await onboard(chat)
    sent = texts(await chat.send(typed))
    assert len(sent) == 1
    check_html(sent[0])
    shown = visible_text(sent[0])
    assert "I can't assess symptoms" in shown
    assert "contact your GP or MS team soon" in shown and "today if" in shown
    assert "emergency services" in shown and "B12 does not treat MS" in shown
    assert "/faq" in shown
    assert "/recipe" not in shown  # not the generic command list
    assert "µg" not in shown and "mg" not in shown.split()  # never a dose


async def test_a_dose_question_without_symptoms_keeps_the_faq_answer(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send("Should I get B12 injections?"))[0])
    assert "I can't assess symptoms" not in shown and CLINICIAN_LINE in shown


@pytest.mark.parametrize(
    "typed", ["what should I eat?", "give me numbers for lunch", "a weekend recipe please"]
)
async def test_ordinary_text_is_not_taken_for_a_symptom(bot: OfflineBot, typed: str) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send(typed))[0])
    assert "/today" in shown and "/help" in shown and "GP" not in shown


def test_symptom_matching_reads_only_the_start_of_a_long_message() -> None:
    assert has_symptom_words("numbness " + "x" * 5000)
    assert not has_symptom_words("x" * MAX_MATCH_CHARS + " numbness")


# ---------------------------------------------------------------------- messages that are not text


STICKER = {
    "file_id": "s1",
    "file_unique_id": "us1",
    "type": "regular",
    "width": 512,
    "height": 512,
    "is_animated": False,
    "is_video": False,
}


PHOTO = [{"file_id": "p1", "file_unique_id": "up1", "width": 90, "height": 90}]


VOICE = {"file_id": "v1", "file_unique_id": "uv1", "duration": 3}


DOCUMENT = {"file_id": "d1", "file_unique_id": "ud1", "file_name": "labs.pdf"}


CONTACT = {"phone_number": "+4930123456", "first_name": "Ben"}


@pytest.mark.parametrize(
    ("field", "value", "named"),
    [
        ("sticker", STICKER, "stickers"),
        ("photo", PHOTO, "photos"),
        ("voice", VOICE, "voice messages"),
        ("document", DOCUMENT, "files"),
        ("contact", CONTACT, "contacts"),
    ],
)
async def test_stickers_photos_voice_files_contacts_get_a_short_answer(
    bot: OfflineBot, field: str, value: object, named: str
) -> None:
    chat = bot.chat()
    calls = await chat._process({"message": chat._message(**{field: value})})
    sent = [visible_text(t) for t in texts(calls)]
    assert len(sent) == 1
    assert f"I can't read {named}" in sent[0] and "/help" in sent[0]


async def test_group_stays_quiet_about_stickers_and_chatter(bot: OfflineBot) -> None:
    chat = bot.chat()
    group = {"id": -100777, "type": "supergroup", "title": "Smiths"}
    for extra in ({"sticker": STICKER}, {"text": "hello everyone"}, {"photo": PHOTO}):
        message = {**chat._message(**extra), "chat": group}
        calls = await chat._process({"message": message})
        assert texts(calls) == [], extra


@pytest.mark.parametrize("typed", ["my B12 is 150", "holoTC 45 pmol/L, is that ok?"])
async def test_a_lab_number_typed_as_text_points_to_levels_add_and_the_gp(
    bot: OfflineBot, typed: str
) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send(typed))[0])
    assert "/levels add serum 320 ng/L" in shown
    assert "talk to your GP or MS team" in shown
    assert "150" not in shown and "45" not in shown  # the number is never read back


async def test_a_dose_in_micrograms_is_not_taken_for_a_lab_result(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send("is 1000 mcg of b12 a lot?"))[0])
    assert "/levels add" not in shown and CLINICIAN_LINE in shown


@pytest.mark.parametrize(
    "typed",
    ["Ich habe Taubheit in den Beinen", "tengo hormigueo en las manos", "j'ai des vertiges"],
)
async def test_symptoms_typed_in_german_spanish_or_french_get_the_gp_answer(
    bot: OfflineBot, typed: str
) -> None:
    chat = bot.chat()
    await onboard(chat)
    shown = visible_text(texts(await chat.send(typed))[0])
    assert "contact your GP or MS team soon" in shown
