package dev.facta.schema;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** Event records covering every type {@link JsonSchemas} maps. */
final class TestEvents {
    private TestEvents() {
    }

    /** Stands in for JSpecify's or Jakarta's {@code @Nullable}: only the simple name counts. */
    @Retention(RetentionPolicy.RUNTIME)
    @Target({ElementType.TYPE_USE, ElementType.RECORD_COMPONENT, ElementType.PARAMETER, ElementType.FIELD,
            ElementType.METHOD})
    @interface Nullable {
    }

    enum Channel { WEB, STORE }

    record Line(String sku, int quantity, BigDecimal unitPrice) {
    }

    record Address(String street, String city, Optional<String> zip) {
    }

    record OrderPlaced(UUID orderId, String customer, List<Line> lines, Instant placedAt, LocalDate deliverBy,
                       Channel channel, Optional<String> note, Map<String, String> tags, Address shipTo,
                       @Nullable Address billTo, Set<Channel> seenOn, long sequence, boolean gift,
                       double weight, BigInteger points, OffsetDateTime promisedAt, short priority,
                       byte[] signature, int[] scores, Optional<Line> bonus, char grade) {
    }

    /** The other value types Jackson writes as strings or numbers of its own. */
    record Scheduled(java.time.Duration duration, java.time.Period period, java.time.Year year,
                     java.time.YearMonth yearMonth, java.time.MonthDay monthDay, java.time.ZoneId zone,
                     java.time.ZoneOffset offset, java.util.Locale locale, java.util.Currency currency, java.net.URI uri,
                     java.time.LocalDateTime localDateTime, java.time.LocalTime localTime, java.time.OffsetTime offsetTime,
                     java.time.DayOfWeek day, java.time.Month month, java.util.Date date, java.util.OptionalInt maybeInt,
                     java.util.OptionalLong maybeLong, Character letter, float ratio, Byte tiny, Integer boxed) {
    }

    /** A recursive type through a nested record. */
    record Category(String name, List<Category> children) {
    }

    record CatalogChanged(Category root, Optional<Category> previous) {
    }

    /** A record that refers back to itself, the root of its schema. */
    record Thread(String text, List<Thread> replies) {
    }

    /** A component type the serializer cannot read back. */
    interface Shape {
    }

    record Drawn(Shape shape) {
    }
}
