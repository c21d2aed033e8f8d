from broadsheet.text.urls import canonical_url, content_id, url_id


def test_tracking_parameters_fragment_and_default_port_are_removed():
    url = "HTTP://News.Example.org:80/a/story?utm_source=rss&id=7&fbclid=x#comments"
    assert canonical_url(url) == "http://news.example.org/a/story?id=7"


def test_same_article_linked_two_ways_gets_one_id():
    assert url_id("https://example.org/x?utm_medium=feed") == url_id("https://EXAMPLE.org/x")
    assert url_id("https://example.org/x?page=2") != url_id("https://example.org/x")


def test_query_order_does_not_matter_and_non_default_port_stays():
    assert canonical_url("http://h:8080/p?b=2&a=1") == "http://h:8080/p?a=1&b=2"


def test_content_id_ignores_whitespace_and_case():
    assert content_id("A  story\n here") == content_id("a story here")
