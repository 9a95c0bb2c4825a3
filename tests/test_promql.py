"""PromQL templates: variable values from the browser are escaped, never executed as PromQL."""

import pytest

from data.errors import DataSourceError, ErrorKind
from data.promql import escape_regex, escape_string, render
from data.timerange import QueryWindow

WINDOW = QueryWindow(start=0, end=86_400, step=120, rate_interval=135)


def test_pql001_builtins():
    out = render("rate(x[$__rate_interval]) / $__interval / ${__range}", {}, WINDOW)
    assert out == "rate(x[135s]) / 2m / 1d"


def test_pql002_multi_value_regex_joined_and_escaped():
    out = render('up{job=~"$job"}', {"job": ["api", "web.1"]}, WINDOW)
    assert out == 'up{job=~"api|web\\\\.1"}'


def test_pql003_equality_matcher_escapes_quotes_and_backslashes():
    out = render('up{job="$job"}', {"job": 'a"b\\c'}, WINDOW)
    assert out == 'up{job="a\\"b\\\\c"}'


INJECTIONS = ['"}) or vector(1)', 'x"} or up{job=~".*', "a\\", "(.*)|.+", "\n"]


@pytest.mark.parametrize("value", INJECTIONS)
def test_pql004_injection_stays_inside_the_string(value):
    for template in ('up{job="$job"}', 'up{job=~"$job"}'):
        out = render(template, {"job": value}, WINDOW)
        prefix, _, rest = out.partition('"')
        # Exactly one unescaped closing quote, right before the closing brace.
        body = rest[: -len('"}')]
        assert rest.endswith('"}') and prefix in ("up{job=", "up{job=~")
        unescaped = [i for i, c in enumerate(body) if c == '"' and body[i - 1] != "\\"]
        assert unescaped == []


def test_pql005_variable_outside_a_string_is_refused():
    with pytest.raises(DataSourceError, match="inside a quoted label matcher") as err:
        render("sum by ($label) (up)", {"label": "job"}, WINDOW)
    assert err.value.kind is ErrorKind.CONFIG


def test_pql006_unknown_variable_is_a_config_error():
    with pytest.raises(DataSourceError, match=r"uses \$region"):
        render('up{region="$region"}', {}, WINDOW)


def test_pql007_several_values_need_a_regex_matcher():
    with pytest.raises(DataSourceError, match="use =~"):
        render('up{job="$job"}', {"job": ["a", "b"]}, WINDOW)


def test_pql008_escaping_helpers():
    assert escape_string('say "hi"') == 'say \\"hi\\"'
    assert escape_regex("a.b") == "a\\\\.b"
    assert render('up{job=~"$job"}', {"job": []}, WINDOW) == 'up{job=~"$^"}'
