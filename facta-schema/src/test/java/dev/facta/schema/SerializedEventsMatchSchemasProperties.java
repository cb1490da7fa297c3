package dev.facta.schema;

import dev.facta.schema.TestEvents.CatalogChanged;
import dev.facta.schema.TestEvents.OrderPlaced;
import dev.facta.schema.TestEvents.Thread;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.lang.reflect.Array;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import static dev.facta.schema.JsonSchemasTest.serialized;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Whatever values a record holds, what Facta's serializer writes for it validates against the
 * schema {@link JsonSchemas#of} derives for its class; and dropping any required field is caught
 * and named.
 */
class SerializedEventsMatchSchemasProperties {

    static final SchemaRegistry REGISTRY = SchemaRegistry.requiringSchemas()
            .register(OrderPlaced.class, 1)
            .register(CatalogChanged.class, 1)
            .register(Thread.class, 1)
            .register(TestEvents.Scheduled.class, 1);

    @Property(tries = 300)
    void serializedEventsValidate(@ForAll Random random) {
        for (Class<?> type : List.of(OrderPlaced.class, CatalogChanged.class, Thread.class, TestEvents.Scheduled.class)) {
            Object event = new Instances(random).of(type, 0);
            REGISTRY.validate(type.getSimpleName(), serialized(event));
        }
    }

    @Property(tries = 300)
    void aDroppedRequiredFieldIsNamed(@ForAll Random random) {
        JsonNode data = serialized(new Instances(random).of(OrderPlaced.class, 0));
        ObjectNode schema = JsonSchemas.of(OrderPlaced.class);
        // pick a required property, at the top or inside a nested required object
        List<String> candidates = new ArrayList<>();
        schema.get("required").forEach(r -> candidates.add("/" + r.asString()));
        schema.get("$defs").get("Address").get("required").forEach(r -> candidates.add("/shipTo/" + r.asString()));
        if (data.get("lines").size() > 0) {
            schema.get("$defs").get("Line").get("required").forEach(r -> candidates.add("/lines/0/" + r.asString()));
        }
        String pointer = candidates.get(random.nextInt(candidates.size()));
        ObjectNode broken = (ObjectNode) data.deepCopy();
        int cut = pointer.lastIndexOf('/');
        ((ObjectNode) broken.at(pointer.substring(0, cut))).remove(pointer.substring(cut + 1));

        assertThatThrownBy(() -> REGISTRY.validate("OrderPlaced", broken))
                .isInstanceOfSatisfying(SchemaViolationException.class, e -> {
                    assertThat(e.field()).isEqualTo(pointer);
                    assertThat(e.getMessage()).contains(pointer);
                });
    }

    /** Random instances of records and the value types {@link JsonSchemas} supports. */
    static final class Instances {
        private final Random random;

        Instances(Random random) {
            this.random = random;
        }

        Object of(Type type, int depth) {
            if (type instanceof ParameterizedType p) {
                Class<?> raw = (Class<?>) p.getRawType();
                Type[] args = p.getActualTypeArguments();
                if (raw == Optional.class) {
                    return random.nextBoolean() ? Optional.empty() : Optional.of(of(args[0], depth + 1));
                }
                int n = depth > 2 ? 0 : random.nextInt(4);
                if (raw == List.class) {
                    List<Object> l = new ArrayList<>();
                    for (int i = 0; i < n; i++) l.add(of(args[0], depth + 1));
                    return l;
                }
                if (raw == Set.class) {
                    Set<Object> s = new HashSet<>();
                    for (int i = 0; i < n; i++) s.add(of(args[0], depth + 1));
                    return s;
                }
                if (raw == Map.class) {
                    Map<Object, Object> m = new LinkedHashMap<>();
                    for (int i = 0; i < n; i++) m.put(string(), of(args[1], depth + 1));
                    return m;
                }
            }
            Class<?> c = (Class<?>) type;
            if (c == String.class) return string();
            if (c == char.class) return (char) ('!' + random.nextInt(90));
            if (c == int.class) return random.nextInt();
            if (c == long.class) return random.nextLong();
            if (c == short.class) return (short) random.nextInt(Short.MIN_VALUE, Short.MAX_VALUE + 1);
            if (c == boolean.class) return random.nextBoolean();
            if (c == double.class) return random.nextBoolean() ? random.nextDouble() * 1e6 : random.nextLong() / 1e3;
            if (c == BigDecimal.class) return new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(-5, 10));
            if (c == BigInteger.class) return new BigInteger(random.nextInt(1, 200), random).negate().add(BigInteger.TEN);
            if (c == UUID.class) return new UUID(random.nextLong(), random.nextLong());
            if (c == Instant.class) return Instant.ofEpochSecond(random.nextLong(-62_135_596_800L, 253_402_300_799L),
                    random.nextInt(1_000_000_000));
            if (c == LocalDate.class) return LocalDate.ofEpochDay(random.nextLong(-719_162, 2_932_896));
            if (c == OffsetDateTime.class) return OffsetDateTime.of(2000 + random.nextInt(50), 1 + random.nextInt(12),
                    1 + random.nextInt(28), random.nextInt(24), random.nextInt(60), random.nextInt(60), random.nextInt(1_000_000_000),
                    ZoneOffset.ofHoursMinutes(random.nextInt(-12, 14), 0));
            if (c == Character.class) return of(char.class, depth);
            if (c == float.class) return (float) (random.nextFloat() * 1e4 - 5e3);
            if (c == Byte.class) return (byte) random.nextInt(Byte.MIN_VALUE, Byte.MAX_VALUE + 1);
            if (c == Integer.class) return random.nextInt();
            if (c == java.time.Duration.class) return java.time.Duration.ofSeconds(random.nextLong(-1_000_000_000L, 1_000_000_000L), random.nextInt(1_000_000_000));
            if (c == java.time.Period.class) return java.time.Period.of(random.nextInt(-50, 50), random.nextInt(-20, 20), random.nextInt(-40, 40));
            if (c == java.time.Year.class) return java.time.Year.of(random.nextInt(-9999, 10000));
            if (c == java.time.YearMonth.class) return java.time.YearMonth.of(random.nextInt(1, 10000), 1 + random.nextInt(12));
            if (c == java.time.MonthDay.class) return java.time.MonthDay.of(1 + random.nextInt(12), 1 + random.nextInt(28));
            if (c == java.time.ZoneId.class) {
                List<String> zones = List.copyOf(java.time.ZoneId.getAvailableZoneIds());
                return java.time.ZoneId.of(zones.get(random.nextInt(zones.size())));
            }
            if (c == java.time.ZoneOffset.class) return java.time.ZoneOffset.ofTotalSeconds(random.nextInt(-18 * 3600, 18 * 3600 + 1));
            if (c == java.util.Locale.class) {
                java.util.Locale[] all = java.util.Locale.getAvailableLocales();
                return all[random.nextInt(all.length)];
            }
            if (c == java.util.Currency.class) {
                List<java.util.Currency> all = List.copyOf(java.util.Currency.getAvailableCurrencies());
                return all.get(random.nextInt(all.size()));
            }
            if (c == java.net.URI.class) return java.net.URI.create("https://example.com/" + random.nextInt(1000) + "?q=" + random.nextInt());
            if (c == java.time.LocalDateTime.class) return java.time.LocalDateTime.ofEpochSecond(random.nextLong(-62_135_596_800L, 253_402_300_799L), random.nextInt(1_000_000_000), java.time.ZoneOffset.UTC);
            if (c == java.time.LocalTime.class) return java.time.LocalTime.ofNanoOfDay(random.nextLong(86_400_000_000_000L));
            if (c == java.time.OffsetTime.class) return java.time.OffsetTime.of(java.time.LocalTime.ofNanoOfDay(random.nextLong(86_400_000_000_000L)), java.time.ZoneOffset.ofHours(random.nextInt(-12, 14)));
            if (c == java.util.Date.class) return new java.util.Date(random.nextLong(-62_135_596_800_000L, 253_402_300_799_000L));
            if (c == java.util.OptionalInt.class) return random.nextBoolean() ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(random.nextInt());
            if (c == java.util.OptionalLong.class) return random.nextBoolean() ? java.util.OptionalLong.empty() : java.util.OptionalLong.of(random.nextLong());
            if (c == byte[].class) {
                byte[] b = new byte[random.nextInt(10)];
                random.nextBytes(b);
                return b;
            }
            if (c.isArray()) {
                int n = random.nextInt(4);
                Object a = Array.newInstance(c.getComponentType(), n);
                for (int i = 0; i < n; i++) Array.set(a, i, of(c.getComponentType(), depth + 1));
                return a;
            }
            if (c.isEnum()) {
                Object[] values = c.getEnumConstants();
                return values[random.nextInt(values.length)];
            }
            if (c.isRecord()) {
                RecordComponent[] comps = c.getRecordComponents();
                Object[] args = new Object[comps.length];
                Class<?>[] types = new Class<?>[comps.length];
                for (int i = 0; i < comps.length; i++) {
                    types[i] = comps[i].getType();
                    boolean nullable = comps[i].isAnnotationPresent(TestEvents.Nullable.class);
                    args[i] = nullable && random.nextBoolean() ? null : of(comps[i].getGenericType(), depth + 1);
                }
                try {
                    var ctor = c.getDeclaredConstructor(types);
                    ctor.setAccessible(true);
                    return ctor.newInstance(args);
                } catch (ReflectiveOperationException e) {
                    throw new AssertionError(e);
                }
            }
            throw new AssertionError("no generator for " + type);
        }

        private String string() {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(12);
            for (int i = 0; i < n; i++) {
                sb.appendCodePoint(random.nextInt(4) == 0 ? random.nextInt(0x20, 0x2FFF) : random.nextInt(0x20, 0x7F));
            }
            return sb.toString();
        }
    }
}
