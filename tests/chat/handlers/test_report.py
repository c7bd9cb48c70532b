"""/report through the real Application offline: a PDF document of the user's own log, sent
only in a private chat."""

from __future__ import annotations

import pypdfium2 as pdfium
from ptb_offline import OfflineBot, TgUser, onboard, texts, visible_text

from bot.core.report import TITLE


def pdf_pages(pdf: bytes) -> list[str]:
    doc = pdfium.PdfDocument(pdf)
    try:
        return [" ".join(doc[i].get_textpage().get_text_range().split()) for i in range(len(doc))]
    finally:
        doc.close()


async def test_report_sends_a_pdf_of_what_the_user_logged(bot: OfflineBot) -> None:
    chat = bot.chat()
    await onboard(chat)
    await chat.send("/today")
    await chat.tap("Breakfast eaten")
    await chat.send("/took 1000")
    await chat.send("/levels add serum 320 ng/L 2026-10-02")
    bot.request.clear()

    calls = await chat.send("/report")

    assert [c.method for c in calls].count("sendDocument") == 1
    document = next(c for c in calls if c.method == "sendDocument")
    assert "not a medical record" in document.params["caption"]
    assert "GP or MS team" in document.params["caption"]
    (name, _part, filename, pdf) = bot.request.files[-1]
    assert name == "sendDocument" and filename.startswith("b12-log-") and filename.endswith(".pdf")
    pages = pdf_pages(pdf)
    assert len(pages) == 2
    assert TITLE in pages[0]
    assert "1 of 91 days had something logged" in pages[0]
    assert "Oral supplements: 1 dose on 1 day (1,000 µg × 1)" in pages[0]
    assert "320 ng/L indeterminate NICE NG239" in pages[1]


async def test_report_in_a_group_points_to_the_private_chat(bot: OfflineBot) -> None:
    await onboard(bot.chat())
    calls = await bot.group(TgUser()).send("/report")
    assert not [c for c in calls if c.method == "sendDocument"]
    assert any("private" in visible_text(t) for t in texts(calls))


async def test_report_before_onboarding_sends_no_document(bot: OfflineBot) -> None:
    calls = await bot.chat().send("/report")
    assert not [c for c in calls if c.method == "sendDocument"]
    assert texts(calls)  # it says how to start instead
