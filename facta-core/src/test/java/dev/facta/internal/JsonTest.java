package dev.facta.internal;

import dev.facta.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {

    @Test
    void quoted_strings_read_back_unchanged_and_escape_what_json_and_javascript_need() {
        List<String> samples = List.of("", "plain", "a\"b\\c", "line\nbreak\r\ttab\b\f", "\u0001\u001f", "x\u2028y\u2029z",
                "caf\u00e9 \ud83d\ude00", "\"", "\\", "end\u0007");
        for (String s : samples) assertThat(Json.parse(Json.quote(s), 4, "s")).as(s).isEqualTo(s);
        assertThat(Json.quote("a\u0001\u2028\"b")).isEqualTo("\"a\\u0001\\u2028\\\"b\"");
        Random r = new Random(7);
        for (int n = 0; n < 2_000; n++) {
            StringBuilder sb = new StringBuilder();
            for (int i = r.nextInt(20); i > 0; i--) sb.append((char) (r.nextBoolean() ? 1 + r.nextInt(0x7f) : 0x20 + r.nextInt(0xD000)));
            String s = sb.toString();
            assertThat(Json.parse(Json.quote(s), 4, "s")).isEqualTo(s);
        }
    }

    @Test
    void numbers_can_be_kept_apart_from_strings_as_the_caller_maps_them() {
        record Num(String text) {
        }
        Object tree = Json.parse("{\"a\":42.50,\"b\":\"42.50\",\"c\":[-1e3,{\"d\":0}]}", 4, "doc", Num::new);
        assertThat(tree).isEqualTo(java.util.Map.of("a", new Num("42.50"), "b", "42.50",
                "c", List.of(new Num("-1e3"), java.util.Map.of("d", new Num("0")))));
        assertThatThrownBy(() -> Json.parse("{\"a\":01}", 4, "doc", Num::new)).isInstanceOf(InvalidInputException.class);
    }

    @Test
    void strict_validation_accepts_and_refuses_exactly_what_strict_parsing_does() {
        List<String> inputs = List.of("{}", "{\"a\":1,\"b\":[1,2,{\"c\":\"d\"}],\"e\":null,\"f\":true}", "[1,2]", "\"s\"", "12.5e3",
                "null", "{\"a\":1,\"a\":2}", "{\"x\":{\"a\":1,\"a\":2}}", "{\"a\\u0062\":1,\"ab\":2}", "{\"s\":\"\ud800\"}",
                "{\"s\":\"\\ud800\"}", "{\"s\":\"\\ud83d\\ude00\"}", "{\"s\":\"\ud83d\ude00\"}", "{\"n\":1e999999999999}",
                "{\"n\":1e10}", "{\"s\":\"\\u0000\"}", "{\"a\":1,}", "{\"a\" 1}", "[[[[1]]]]", "{} x", "-0.5", "tru");
        for (String in : inputs) {
            Object parsed;
            String parseError = null;
            try {
                parsed = Json.parseStrict(in, 3, "doc");
            } catch (InvalidInputException e) {
                parsed = null;
                parseError = e.getMessage();
            }
            if (parseError != null) {
                assertThatThrownBy(() -> Json.validateStrict(in, 3, "doc")).as(in).isInstanceOf(InvalidInputException.class)
                        .hasMessage(parseError);
            } else {
                char kind = Json.validateStrict(in, 3, "doc");
                char expected = parsed == null ? 'n' : parsed instanceof java.util.Map ? '{' : parsed instanceof List ? '['
                        : parsed instanceof String ? '"' : parsed instanceof Boolean b ? (b ? 't' : 'f') : '0';
                assertThat(kind).as(in).isEqualTo(expected);
            }
        }
    }
}
