package dev.facta.crypto;

import dev.facta.internal.Json;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Encrypting then decrypting any JSON document gives it back unchanged; forgetting masks only the personal fields. */
class FieldCipherProperties {
    static final DataKeys KEYS = DataKeys.builder(new InMemoryKeyStore(), LocalMasterKey.generate()).build();
    static final FieldCipher CIPHER = new FieldCipher(KEYS);
    static final EncryptionPolicy.Rule RULE = EncryptionPolicy.builder()
            .eventType("T").subject("sub").fields("p", "nested.q", "list[]", "objs[].r").build().forEventType("T").orElseThrow();

    @Property(tries = 300)
    void round_trip_over_arbitrary_json(@ForAll("documents") String json) {
        String encrypted = CIPHER.encrypt(json, RULE, "event:e", "data");
        var back = CIPHER.decrypt(encrypted, RULE, "event:e", "test", "data", m -> {
            throw new AssertionError("masked " + m);
        });
        assertThat(back.json()).isEqualTo(JsonTree.write(JsonTree.parse(json, "d")));
        assertThat(back.masked()).isZero();
        // everything outside the personal fields is stored as it was
        Map<?, ?> stored = (Map<?, ?>) JsonTree.parse(encrypted, "d");
        Map<?, ?> original = (Map<?, ?>) JsonTree.parse(json, "d");
        for (Object k : original.keySet()) {
            if (!List.of("p", "nested", "list", "objs").contains(k)) assertThat(stored.get(k)).isEqualTo(original.get(k));
        }
    }

    @Provide
    Arbitrary<String> documents() {
        Arbitrary<Object> leaf = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40).map(s -> s.replace("\u0000", "")).map(s -> (Object) s),
                Arbitraries.bigDecimals().between(new java.math.BigDecimal("-1e12"), new java.math.BigDecimal("1e12"))
                        .ofScale(3).map(d -> (Object) new JsonTree.Num(d.toPlainString())),
                Arbitraries.of(true, false).map(b -> (Object) b),
                Arbitraries.just(null));
        Arbitrary<Object> value = Arbitraries.lazyOf(
                () -> leaf,
                () -> leaf.list().ofMaxSize(3).map(l -> (Object) new ArrayList<>(l)),
                () -> Arbitraries.maps(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(5), leaf).ofMaxSize(3)
                        .map(m -> (Object) new LinkedHashMap<>(m)));
        Arbitrary<String> subject = Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(12);
        return net.jqwik.api.Combinators.combine(subject, value, value, value, value.list().ofMaxSize(3), value)
                .as((sub, p, q, other, list, r) -> {
                    Map<String, Object> doc = new LinkedHashMap<>();
                    doc.put("sub", sub);
                    doc.put("p", p);
                    Map<String, Object> nested = new LinkedHashMap<>();
                    nested.put("q", q);
                    nested.put("keep", other);
                    doc.put("nested", nested);
                    doc.put("list", new ArrayList<>(list));
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("r", r);
                    doc.put("objs", new ArrayList<>(List.of(o, new LinkedHashMap<>())));
                    doc.put("other", other);
                    return JsonTree.write(doc);
                })
                .filter(s -> !s.contains(FieldCipher.PREFIX));
    }

    @Property(tries = 50)
    void strings_with_escapes_survive(@ForAll String s) {
        String json = "{\"sub\":\"x\",\"p\":" + Json.quote(s.replace("\u0000", "")) + "}";
        if (json.contains(FieldCipher.PREFIX)) return;
        String enc = CIPHER.encrypt(json, RULE, "event:e", "data");
        assertThat(CIPHER.decrypt(enc, RULE, "event:e", "t", "data", MaskListener.none()).json()).isEqualTo(json);
    }
}
