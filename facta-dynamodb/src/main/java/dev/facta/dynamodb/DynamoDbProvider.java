package dev.facta.dynamodb;

import dev.facta.InvalidInputException;
import dev.facta.store.EventStore;
import dev.facta.store.spi.EventStoreProvider;

import java.net.URI;
import java.util.Locale;

/**
 * Opens {@link DynamoDbEventStore}s for two URL forms:
 * <ul>
 * <li>{@code dynamodb:TABLE} — AWS, with the SDK's default credentials and region
 * ({@code AWS_REGION}, the profile); options {@code ?region=R&endpoint=URL&create=true|false};
 * <li>{@code dynamodb://HOST:PORT/TABLE} — a DynamoDB at {@code http://HOST:PORT}, such as
 * DynamoDB Local; options {@code ?region=R&create=true|false}.
 * </ul>
 * The table is created (on-demand capacity) when missing unless {@code create=false}.
 */
public final class DynamoDbProvider implements EventStoreProvider {

    @Override
    public boolean supports(String url) {
        return url != null && url.startsWith("dynamodb:");
    }

    @Override
    public EventStore open(String url) {
        return builder(url).open();
    }

    /** The builder the URL describes, to adjust further before opening. */
    public static DynamoDbEventStore.Builder builder(String url) {
        if (!new DynamoDbProvider().supports(url)) {
            throw new InvalidInputException("store", "not a DynamoDB store URL: '" + url + "' (use dynamodb:TABLE"
                    + " or dynamodb://HOST:PORT/TABLE)");
        }
        String rest = url.substring("dynamodb:".length());
        int q = rest.indexOf('?');
        String options = q >= 0 ? rest.substring(q + 1) : "";
        if (q >= 0) rest = rest.substring(0, q);
        URI endpoint = null;
        String table;
        if (rest.startsWith("//")) {
            int slash = rest.indexOf('/', 2);
            String hostPort = slash < 0 ? rest.substring(2) : rest.substring(2, slash);
            table = slash < 0 ? "" : rest.substring(slash + 1);
            if (hostPort.isEmpty()) {
                throw new InvalidInputException("store", "the DynamoDB store URL '" + url + "' names no host");
            }
            endpoint = uri("http://" + hostPort, url);
        } else {
            table = rest;
        }
        if (table.isEmpty()) {
            throw new InvalidInputException("store", "the DynamoDB store URL '" + url + "' names no table");
        }
        DynamoDbEventStore.Builder b = DynamoDbEventStore.builder(table);
        for (String option : options.isEmpty() ? new String[0] : options.split("&")) {
            int eq = option.indexOf('=');
            String key = eq < 0 ? option : option.substring(0, eq);
            String value = eq < 0 ? "" : option.substring(eq + 1);
            switch (key) {
                case "region" -> b.region(value);
                case "endpoint" -> endpoint = uri(value, url);
                case "create" -> b.createTable(bool(value));
                default -> throw new InvalidInputException("store", "unknown DynamoDB store option '" + key
                        + "' (known: region, endpoint, create)");
            }
        }
        return b.endpoint(endpoint);
    }

    private static URI uri(String text, String url) {
        try {
            URI u = URI.create(text);
            if (u.getScheme() == null || u.getHost() == null) throw new IllegalArgumentException("no scheme or host");
            return u;
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("store", "the DynamoDB store URL '" + url + "' has an invalid endpoint '"
                    + text + "'");
        }
    }

    private static boolean bool(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new InvalidInputException("store", "create must be true or false, got '" + value + "'");
        };
    }

    @Override
    public String schemes() {
        return "dynamodb:TABLE, dynamodb://HOST:PORT/TABLE";
    }
}
