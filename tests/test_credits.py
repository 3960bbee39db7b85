"""Bylines, date lines and datelines: what is a byline, and the author, date and agency a line names."""

from __future__ import annotations

from pipeline.clean.credits import author_name, find_author, find_date, find_dateline, is_byline


def test_datelines() -> None:
    assert find_dateline("WASHINGTON/BEIRUT The United States is close to a deal.") == (
        "WASHINGTON/BEIRUT",
        None,
    )
    assert find_dateline("BEIRUT (AFP) - Fighting resumed.") == ("BEIRUT", "Agence France-Presse")
    assert find_dateline("NATO The alliance met.") == (None, None)
    assert find_dateline("U.S. officials said on Monday.") == (None, None)


def test_dates_and_authors_of_single_lines() -> None:
    assert find_date("Posted on 3rd May 2016") == "2016-05-03"
    assert find_date("2019-11-21T10:00") == "2019-11-21"
    assert find_date("February 30, 2016") is None
    assert (
        find_date("The council met on May 3, 2016 to discuss the budget for the coming year again.") is None
    )
    assert find_author("Posted on May 3, 2016 by Jane Doe") == "Jane Doe"
    assert find_author("By the river") is None


def test_a_byline_paragraph_names_people_and_a_sentence_does_not() -> None:
    assert is_byline("By Jane Doe | May 3, 2016")
    assert is_byline("Von Anna Schmidt")
    assert not is_byline("By the river the town was quiet.")
    assert not is_byline("By " + "Long " * 20)


def test_a_metadata_author_keeps_the_name_only() -> None:
    """Pages put a byline's words, or a handle's "@" without the handle, in their author metadata."""
    assert author_name("View all posts by Ray Ansari") == "Ray Ansari"
    assert author_name("Posted By Chris @") == "Chris"
    assert author_name("by: Ann Lee") == "Ann Lee"
    assert author_name("Written by") is None and author_name("") is None and author_name(None) is None
    for name in ("Byron Smith", "Jane Doe", "Websites by Example Studio"):
        assert author_name(name) == name
