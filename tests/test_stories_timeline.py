"""Timeline of a story: date phrases resolved by dateparser against the publication date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from narrascope.document import Document
from narrascope.stories import build_timeline, date_mentions, extract_events

FAST = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PUBLISHED = st.dates(min_value=date(1995, 1, 1), max_value=date(2035, 12, 31))


def doc(text: str, published: date | None, *, outlet: str = "", lang: str = "en", id: str = "a"):
    return Document(id=id, text=text, language=lang, published=published, outlet=outlet)


def dates(text: str, published: date | None, lang: str = "en") -> dict[str, tuple[str, str]]:
    return {m.text: (m.date, m.granularity) for m in date_mentions(doc(text, published, lang=lang))}


@FAST
@given(published=PUBLISHED, weekday=st.sampled_from(range(7)))
def test_on_weekday_is_that_weekday_within_the_week_before_publication(
    published: date, weekday: int
) -> None:
    text = f"The ministers met on {WEEKDAYS[weekday]} to discuss the plan."
    found = date_mentions(doc(text, published))
    assert [m.text for m in found] == [WEEKDAYS[weekday]]
    resolved = date.fromisoformat(found[0].date)
    assert resolved.weekday() == weekday
    assert published - timedelta(days=7) <= resolved < published
    assert found[0].granularity == "day" and found[0].relative


@FAST
@given(published=PUBLISHED)
def test_yesterday_is_the_day_before_publication(published: date) -> None:
    found = date_mentions(doc("Yesterday the court ruled against the ban.", published))
    assert [(m.text, m.date) for m in found] == [
        ("Yesterday", (published - timedelta(days=1)).isoformat())
    ]


@FAST
@given(
    phrase=st.sampled_from(
        ["on Friday", "yesterday", "last week", "two days ago", "on 3 March", "March 12"]
    ),
)
def test_undated_articles_never_get_relative_dates(phrase: str) -> None:
    text = f"Officials said {phrase} that talks failed. The treaty of 12 May 1998 still holds."
    found = date_mentions(doc(text, None))
    assert [(m.text, m.date, m.relative) for m in found] == [("12 May 1998", "1998-05-12", False)]


def test_explicit_and_relative_dates_at_their_granularity() -> None:
    text = (
        "The law was signed on 3 March 2024, drafted in May 2023 and first proposed in 2019. "
        "Two days ago the opposition protested; last week it sued. Polls closed 2024-03-01."
    )
    found = dates(text, date(2024, 3, 13))
    assert found == {
        "3 March 2024": ("2024-03-03", "day"),
        "May 2023": ("2023-05", "month"),
        "2019": ("2019", "year"),
        "Two days ago": ("2024-03-11", "day"),
        "last week": ("2024-W10", "week"),
        "2024-03-01": ("2024-03-01", "day"),
    }


def test_numbers_that_are_not_dates_are_not_dated() -> None:
    # search_dates reads "$61" as 1961 and "12 years" as 2012; the spotter does not
    text = "Congress approved $61 billion. He was 12 years old. It may rain. We sat down."
    assert dates(text, date(2024, 4, 22)) == {}


def test_a_day_and_month_without_year_takes_the_latest_past_one() -> None:
    assert dates("Talks on 3 March failed.", date(2024, 3, 1)) == {"3 March": ("2023-03-03", "day")}


def test_russian_relative_phrases() -> None:
    text = "В понедельник министр заявил, что 5 человек погибли. Вчера прошли переговоры."
    assert dates(text, date(2024, 3, 13), lang="ru") == {
        "понедельник": ("2024-03-11", "day"),
        "Вчера": ("2024-03-12", "day"),
    }


def test_unknown_language_keeps_numeric_dates_only() -> None:
    assert dates("Friday 2024-03-01", date(2024, 3, 13), lang="xx") == {
        "2024-03-01": ("2024-03-01", "day")
    }


def test_events_merge_across_outlets_by_date_and_wording() -> None:
    docs = [
        doc(
            "On Saturday the House approved the aid package. Markets rose.",
            date(2024, 4, 22),
            outlet="Alpha",
            id="a1",
        ),
        doc(
            "The House approved an aid package on 20 April 2024. The vote was close.",
            date(2024, 4, 21),
            outlet="Beta",
            id="b1",
        ),
        doc(
            "Yesterday, 20 April, protesters marched in the capital.",
            date(2024, 4, 21),
            outlet="Gamma",
            id="c1",
        ),
    ]
    timeline = [entry.to_dict() for entry in build_timeline(docs)]
    assert [t["date"] for t in timeline] == ["2024-04-20", "2024-04-20"]
    aid, march = timeline
    assert aid["outlets"] == ["Alpha", "Beta"] and aid["articles"] == ["a1", "b1"]
    assert march["outlets"] == ["Gamma"]
    quote = aid["quotes"][1]
    assert docs[1].text[quote["start"] : quote["end"]] == quote["text"]
    assert quote["date_text"] == "20 April 2024"


def test_one_sentence_one_event_per_date() -> None:
    events = extract_events(doc("Yesterday, on Friday 8 March 2024, it rained.", date(2024, 3, 9)))
    assert [e.date for e in events] == ["2024-03-08"]


@pytest.mark.parametrize(
    ("lang", "text", "phrase", "expected"),
    [
        ("bg", "Вчера министърът заяви това.", "Вчера", ("2024-03-12", "day")),
        ("pt", "Ontem o ministro disse isso.", "Ontem", ("2024-03-12", "day")),
        ("hi", "सोमवार को मंत्री ने कहा।", "सोमवार", ("2024-03-11", "day")),
        ("hi", "2 दिन पहले हमला हुआ।", "2 दिन पहले", ("2024-03-11", "day")),
    ],
)
def test_other_languages(lang: str, text: str, phrase: str, expected: tuple[str, str]) -> None:
    assert dates(text, date(2024, 3, 13), lang=lang) == {phrase: expected}


def test_a_regional_language_code_uses_its_language() -> None:
    assert dates("Вчера шёл дождь.", date(2024, 3, 13), lang="ru-RU") == {
        "Вчера": ("2024-03-12", "day")
    }


RU_WEEKDAYS = ["понедельник", "вторник", "среду", "четверг", "пятницу", "субботу", "воскресенье"]


@FAST
@given(published=PUBLISHED, weekday=st.sampled_from(range(7)))
def test_russian_weekday_in_the_week_before_publication(published: date, weekday: int) -> None:
    text = f"Министр заявил это в {RU_WEEKDAYS[weekday]}."
    (found,) = date_mentions(doc(text, published, lang="ru"))
    resolved = date.fromisoformat(found.date)
    assert resolved.weekday() == weekday
    assert published - timedelta(days=7) <= resolved < published


@FAST
@given(published=PUBLISHED, days=st.integers(min_value=1, max_value=60))
def test_n_days_ago(published: date, days: int) -> None:
    (found,) = date_mentions(doc(f"The strike began {days} days ago.", published))
    assert found.date == (published - timedelta(days=days)).isoformat()
