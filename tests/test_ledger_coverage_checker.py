"""The ledger-coverage checker catches what it is meant to catch (it is only as good as these cases)."""

from ledger_coverage import uncovered

LEDGER = {"claims": [{"id": "rate.latest", "sentence": "The charge rate was 8.4% in 2024/25 Q1."}]}


def test_claimed_sentence_passes():
    html = '<p><span data-claim="rate.latest">The charge rate was  8.4% in 2024/25 Q1.</span></p>'
    assert uncovered(html, LEDGER) == []


def test_loose_number_is_caught():
    assert uncovered("<p>The rate rose to 9.1%.</p>", LEDGER) == ["no claim: 'The rate rose to 9.1%.'"]


def test_loose_verdict_word_is_caught():
    assert uncovered("<td>Improving</td>", LEDGER) == ["no claim: 'Improving'"]


def test_unknown_claim_and_changed_text_are_caught():
    html = '<p data-claim="rate.other">8.4%</p><p data-claim="rate.latest">The charge rate was 9.0%.</p>'
    problems = uncovered(html, LEDGER)
    assert len(problems) == 2
    assert "not in the ledger" in problems[0] and "ledger says" in problems[1]


def test_headings_and_plain_prose_are_exempt():
    html = "<h2>Recommendation 4</h2><p>Owner: the deputy chief constable.</p>"
    assert uncovered(html, LEDGER) == []
