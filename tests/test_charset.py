from broadsheet.text.charset import charset_from_content_type, declared_charset, decode_bytes


def test_header_charset_wins():
    assert decode_bytes("café".encode("cp1252"), "text/html; charset=windows-1252") == "café"


def test_meta_declaration_used_when_header_silent():
    page = '<html><head><meta charset="iso-8859-1"></head><body>Crème “brûlée”</body></html>'.encode("cp1252")
    assert "Crème “brûlée”" in decode_bytes(page, "text/html")


def test_xml_declaration_is_read():
    assert declared_charset(b'<?xml version="1.0" encoding="shift_jis"?><rss/>') == "shift_jis"


def test_undeclared_legacy_text_is_detected():
    text = "東京の天気は晴れです。明日は雨が降るでしょう。" * 5
    assert decode_bytes(text.encode("shift_jis")) == text


def test_wrong_declaration_falls_back():
    assert decode_bytes("naïve".encode(), "text/html; charset=ascii") in {"naïve", "naÃ¯ve"}
    assert charset_from_content_type("text/html; charset=bogus-thing") is None
