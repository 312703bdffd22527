"""The HTML checker used by the safety tests must be able to fail."""

from htmlcheck import Page


def test_finds_executable_markup_and_external_references():
    page = Page(
        '<script>x</script><img src="https://cdn.example/a.png" onerror="x"><a href="javascript:y">z</a>'
        '<h2 id="sources">Sources</h2><a href="https://www.gov.uk/x">ok</a>'
    )
    assert "<script>" in page.executable_markup()
    assert "img[onerror]" in page.executable_markup()
    assert any(f.startswith("a[href=javascript") for f in page.executable_markup())
    assert page.external_references() == ["<img src=https://cdn.example/a.png>"]


def test_escaped_text_is_not_markup():
    page = Page("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>")
    assert page.executable_markup() == [] and page.text == "<script>alert(1)</script>"
