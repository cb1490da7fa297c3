package dev.facta.bench;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/** Makes the events the scenarios append: order-like JSON of about 200 bytes, UUIDv7 ids. */
public final class Workload {
    static final String CATEGORY = "bench";
    private static final String[] TYPES = {"ItemAdded", "ItemRemoved", "QuantityChanged", "PriceChanged"};
    private static final int TARGET_BYTES = 200;

    private Workload() {
    }

    /** Stream names sort in creation order and share one category, like an aggregate type. */
    public static String streamName(int index) {
        return CATEGORY + "-" + String.format("%07d", index);
    }

    public static List<BenchEvent> events(String stream, int round, int count) {
        String correlationId = uuidV7().toString();
        List<BenchEvent> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            String json = data(stream, round * count + i);
            out.add(new BenchEvent(uuidV7(), TYPES[i % TYPES.length], json, json.getBytes(StandardCharsets.UTF_8), correlationId));
        }
        return out;
    }

    static String data(String stream, int line) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        StringBuilder sb = new StringBuilder(TARGET_BYTES + 16)
                .append("{\"orderId\":\"").append(stream)
                .append("\",\"line\":").append(line)
                .append(",\"sku\":\"SKU-").append(100_000 + r.nextInt(900_000))
                .append("\",\"quantity\":").append(1 + r.nextInt(9))
                .append(",\"unitPrice\":\"").append(1 + r.nextInt(500)).append('.').append(10 + r.nextInt(90))
                .append("\",\"currency\":\"EUR\",\"note\":\"");
        // pad to the target size so that every event costs the same to store and read back
        while (sb.length() < TARGET_BYTES - 2) {
            sb.append((char) ('a' + r.nextInt(26)));
        }
        return sb.append("\"}").toString();
    }

    /** A time-ordered UUID (RFC 9562 version 7), so id indexes grow at their right edge as in real use. */
    public static UUID uuidV7() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long msb = (System.currentTimeMillis() << 16) | 0x7000L | (r.nextLong() & 0x0FFFL);
        long lsb = (r.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
