"""tel: links dial one number: the first a field holds, without an extension (review: the founding page's
"586-776-3900; Toll Free: 800-598-4668" was linked as one run-together number)."""

from __future__ import annotations

import pytest

from healthqa.app.web.condition_pages import tel_href


@pytest.mark.parametrize(("written", "link"), [
    ("586-776-3900; Toll Free: 800-598-4668", "tel:5867763900"),
    ("301-555-1234 ext. 12", "tel:3015551234"),
    ("800-555-1234 / 301-555-0000", "tel:8005551234"),
    ("Toll-free: 1-800-222-1222 TTY: 711", "tel:18002221222"),
    ("(217) 555-0199", "tel:2175550199"),
    ("+44 20 7946 0958", "tel:+442079460958"),
    ("1-800-273-8255 or 988", "tel:18002738255"),
    ("call us", ""),
])
def test_a_phone_field_links_its_first_number(written: str, link: str) -> None:
    assert tel_href(written) == link
